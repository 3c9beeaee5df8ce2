using static Federation.Tests.Marathon.Validation.FieldType;

namespace Federation.Tests.Marathon.Validation;

/// <summary>
/// The fields of Marathon's AppDefinition (v2 API, RAML model of Marathon 1.x) and their JSON types. Every field of the
/// documented example (Fixtures/app.json) is here with the type it has there (a test checks that); the fields Marathon has
/// that the example does not show are listed after it. Read-only fields GET answers with (tasks, counts, deployments,
/// lastTaskFailure, versionInfo) are not part of what a client may send.
/// </summary>
public static class AppSchema
{
    private static readonly FieldType StringMap = MapOf(Text);

    private static readonly FieldType PortMapping = Object(
        ("containerPort", Int), ("hostPort", Int), ("servicePort", Int), ("protocol", Text), ("name", Text),
        ("labels", StringMap), ("networkNames", ArrayOf(Text)));

    private static readonly FieldType HealthCheck = Object(
        ("protocol", Text), ("path", Text), ("portIndex", Int), ("port", Int), ("command", Object(("value", Text))),
        ("gracePeriodSeconds", Int), ("intervalSeconds", Int), ("timeoutSeconds", Int), ("maxConsecutiveFailures", Int),
        ("ignoreHttp1xx", Bool), ("delaySeconds", Int), ("ipProtocol", Text));

    private static readonly FieldType ReadinessCheck = Object(
        ("name", Text), ("protocol", Text), ("path", Text), ("portName", Text), ("interval", Int), ("timeout", Int),
        ("intervalSeconds", Int), ("timeoutSeconds", Int), ("httpStatusCodesForReady", ArrayOf(Int)), ("preserveLastResponse", Bool));

    private static readonly FieldType Volume = Object(
        ("containerPath", Text), ("hostPath", Text), ("mode", Text), ("secret", Text),
        ("persistent", Object(("size", Int), ("maxSize", Int), ("type", Text), ("constraints", ArrayOf(ArrayOf(Text))), ("profileName", Text))),
        ("external", Object(("name", Text), ("provider", Text), ("size", Int), ("options", StringMap))));

    private static readonly FieldType Container = Object(
        ("type", Text),
        ("docker", Object(
            ("image", Text), ("network", Text), ("portMappings", ArrayOf(PortMapping)), ("privileged", Bool),
            ("parameters", ArrayOf(Object(("key", Text), ("value", Text)))), ("forcePullImage", Bool),
            ("credential", Object(("principal", Text), ("secret", Text))), ("pullConfig", Object(("secret", Text))))),
        ("volumes", ArrayOf(Volume)),
        ("portMappings", ArrayOf(PortMapping)),
        ("mesos", Object(("image", Object(("kind", Text), ("id", Text), ("forcePull", Bool))))),
        ("linuxInfo", Object(("seccomp", Object(("profileName", Text), ("unconfined", Bool))), ("ipcInfo", Object(("mode", Text), ("shmSize", Int))))));

    /// <summary>The documented example's fields (Fixtures/app.json), in its order.</summary>
    public static readonly IReadOnlyDictionary<string, FieldType> FixtureFields = new Dictionary<string, FieldType>
    {
        ["id"] = Text,
        ["instances"] = Int,
        ["cmd"] = Text,
        ["cpus"] = Num,
        ["disk"] = Num,
        ["mem"] = Num,
        ["acceptedResourceRoles"] = ArrayOf(Text),
        ["args"] = ArrayOf(Text),
        ["backoffFactor"] = Num,
        ["backoffSeconds"] = Num,
        ["constraints"] = ArrayOf(ArrayOf(Text)),
        ["container"] = Container,
        ["dependencies"] = ArrayOf(Text),
        // A value is a string or a reference to a secret ({"secret": "name"}).
        ["env"] = MapOf(OneOf(Text, Object(("secret", Text)))),
        ["executor"] = Text,
        ["healthChecks"] = ArrayOf(HealthCheck),
        ["readinessChecks"] = ArrayOf(ReadinessCheck),
        ["labels"] = StringMap,
        ["maxLaunchDelaySeconds"] = Num,
        ["ipAddress"] = Object(
            ("discovery", Object(("ports", ArrayOf(Object(("number", Int), ("name", Text), ("protocol", Text), ("labels", StringMap)))))),
            ("groups", ArrayOf(Text)), ("labels", StringMap), ("networkName", Text)),
        ["ports"] = ArrayOf(Int),
        ["portDefinitions"] = ArrayOf(Object(("port", Int), ("protocol", Text), ("name", Text), ("labels", StringMap))),
        ["requirePorts"] = Bool,
        ["upgradeStrategy"] = Object(("maximumOverCapacity", Num), ("minimumHealthCapacity", Num)),
        ["fetch"] = ArrayOf(Object(("uri", Text), ("executable", Bool), ("extract", Bool), ("cache", Bool), ("destPath", Text))),
        ["user"] = Text,
    };

    /// <summary>Fields of Marathon's AppDefinition the example does not show.</summary>
    public static readonly IReadOnlyDictionary<string, FieldType> OtherFields = new Dictionary<string, FieldType>
    {
        // Secrets the app may reference from env or volumes: {"name": {"source": "path/in/store"}}.
        ["secrets"] = MapOf(Object(("source", Text))),
        // Marathon 1.5+ networking: [{"mode": "host" | "container/bridge" | "container", "name": "...", "labels": {}}].
        ["networks"] = ArrayOf(Object(("mode", Text), ("name", Text), ("labels", StringMap))),
        // "disabled" or {"inactiveAfterSeconds": 0, "expungeAfterSeconds": 0}.
        ["unreachableStrategy"] = OneOf(Text, Object(("inactiveAfterSeconds", Int), ("expungeAfterSeconds", Int))),
        // "YOUNGEST_FIRST" or "OLDEST_FIRST".
        ["killSelection"] = Text,
        ["residency"] = Object(("relaunchEscalationTimeoutSeconds", Int), ("taskLostBehavior", Text)),
        ["taskKillGracePeriodSeconds"] = Int,
        ["role"] = Text,
        ["gpus"] = Int,
        ["storeUrls"] = ArrayOf(Text),
        ["tty"] = Bool,
        ["version"] = Text,
        ["versionInfo"] = Object(("lastScalingAt", Text), ("lastConfigChangeAt", Text)),
        ["check"] = Object(("http", Object(("portIndex", Int), ("path", Text), ("scheme", Text))), ("tcp", Object(("portIndex", Int))),
            ("exec", Object(("command", Object(("shell", Text))))), ("intervalSeconds", Int), ("timeoutSeconds", Int), ("delaySeconds", Int)),
    };

    /// <summary>What <c>GET /v2/apps/{id}</c> adds to the definition (read-only: refused in a request).</summary>
    public static readonly IReadOnlySet<string> StatusFields = new HashSet<string>
    {
        "tasks", "tasksRunning", "tasksHealthy", "tasksUnhealthy", "tasksStaged", "deployments", "lastTaskFailure", "readinessCheckResults",
    };

    /// <summary>The whole app definition a client may send.</summary>
    public static readonly FieldType App = new FieldType.ObjectType(FixtureFields.Concat(OtherFields).ToDictionary(p => p.Key, p => p.Value));
}
