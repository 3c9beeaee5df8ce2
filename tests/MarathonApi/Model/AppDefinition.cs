using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Federation.Tests.Marathon.Model;

/// <summary>A typed view of a stored (validated, defaults filled in) app definition: what the agent and marathon-lb read.</summary>
public sealed record AppDefinition(
    string Id, int Instances, double Cpus, double Mem, double Disk, string? Cmd, IReadOnlyList<string>? Args,
    IReadOnlyDictionary<string, string> Env, IReadOnlyDictionary<string, string> Labels, DockerSpec? Docker, IReadOnlyList<VolumeSpec> Volumes,
    string Network, string? NetworkName, IReadOnlyList<PortSpec> Ports, bool RequirePorts, IReadOnlyList<HealthCheckSpec> HealthChecks,
    IReadOnlyList<ConstraintSpec> Constraints, IReadOnlyList<string> AcceptedResourceRoles,
    double BackoffSeconds, double BackoffFactor, double MaxLaunchDelaySeconds, int TaskKillGracePeriodSeconds, string? User)
{
    public static AppDefinition Parse(JsonObject app)
    {
        var container = app["container"] as JsonObject;
        var docker = container?["docker"] as JsonObject;
        var network = Str(docker?["network"]) ?? ((app["networks"] as JsonArray)?.FirstOrDefault() is JsonObject first
            ? Str(first["mode"]) switch { "container/bridge" => "BRIDGE", "container" => "USER", _ => "HOST" }
            : "HOST");
        var networkName = Str((app["networks"] as JsonArray)?.FirstOrDefault()?["name"]) ?? Str(app["ipAddress"]?["networkName"]);
        return new AppDefinition(
            Id: Str(app["id"]) ?? throw new ArgumentException("an app definition without id"),
            Instances: (int)(Num(app["instances"]) ?? 1),
            Cpus: Num(app["cpus"]) ?? 1,
            Mem: Num(app["mem"]) ?? 128,
            Disk: Num(app["disk"]) ?? 0,
            Cmd: Str(app["cmd"]),
            Args: (app["args"] as JsonArray)?.Select(a => Str(a) ?? "").ToList(),
            Env: StringMap(app["env"]),
            Labels: StringMap(app["labels"]),
            Docker: docker is null ? null : new DockerSpec(
                Str(docker["image"]) ?? "",
                Bool(docker["privileged"]),
                Bool(docker["forcePullImage"]),
                (docker["parameters"] as JsonArray ?? []).Select(p => new KeyValuePair<string, string>(Str(p?["key"]) ?? "", Str(p?["value"]) ?? "")).ToList()),
            Volumes: (container?["volumes"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(v => new VolumeSpec(Str(v["containerPath"]) ?? "", Str(v["hostPath"]), Str(v["mode"]) ?? "RW", v["persistent"] is not null)).ToList(),
            Network: network,
            NetworkName: networkName,
            Ports: PortsOf(app, network, docker, container, Bool(app["requirePorts"])),
            RequirePorts: Bool(app["requirePorts"]),
            HealthChecks: (app["healthChecks"] as JsonArray ?? []).OfType<JsonObject>().Select(h => new HealthCheckSpec(
                Str(h["protocol"]) ?? "HTTP", Str(h["path"]) ?? "/", (int)(Num(h["portIndex"]) ?? 0), (int?)Num(h["port"]), Str(h["command"]?["value"]),
                (int)(Num(h["gracePeriodSeconds"]) ?? 300), (int)(Num(h["intervalSeconds"]) ?? 60), (int)(Num(h["timeoutSeconds"]) ?? 20),
                (int)(Num(h["maxConsecutiveFailures"]) ?? 3), Bool(h["ignoreHttp1xx"]))).ToList(),
            Constraints: (app["constraints"] as JsonArray ?? []).OfType<JsonArray>()
                .Select(c => new ConstraintSpec(Str(c[0]) ?? "", Str(c[1]) ?? "", c.Count > 2 ? Str(c[2]) : null)).ToList(),
            AcceptedResourceRoles: (app["acceptedResourceRoles"] as JsonArray)?.Select(r => Str(r) ?? "").ToList() ?? ["*"],
            BackoffSeconds: Num(app["backoffSeconds"]) ?? 1,
            BackoffFactor: Num(app["backoffFactor"]) ?? 1.15,
            MaxLaunchDelaySeconds: Num(app["maxLaunchDelaySeconds"]) ?? 3600,
            TaskKillGracePeriodSeconds: (int)(Num(app["taskKillGracePeriodSeconds"]) ?? 3),
            User: Str(app["user"]));
    }

    private static List<PortSpec> PortsOf(JsonObject app, string network, JsonObject? docker, JsonObject? container, bool requirePorts)
    {
        if (network is "BRIDGE" or "USER")
        {
            var mappings = (container?["portMappings"] ?? docker?["portMappings"]) as JsonArray ?? [];
            return mappings.OfType<JsonObject>().Select(m => new PortSpec(
                (int)(Num(m["containerPort"]) ?? 0),
                m["hostPort"] is null ? (network == "BRIDGE" ? 0 : null) : (int)Num(m["hostPort"])!.Value,
                (int)(Num(m["servicePort"]) ?? 0), Str(m["protocol"]) ?? "tcp", Str(m["name"]), StringMap(m["labels"]))).ToList();
        }
        if (app["portDefinitions"] is JsonArray definitions)
            return definitions.OfType<JsonObject>().Select(d => new PortSpec(0, requirePorts ? (int)(Num(d["port"]) ?? 0) : 0, (int)(Num(d["port"]) ?? 0),
                Str(d["protocol"]) ?? "tcp", Str(d["name"]), StringMap(d["labels"]))).ToList();
        return [];
    }

    private static Dictionary<string, string> StringMap(JsonNode? node) =>
        (node as JsonObject)?.Where(p => p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            .ToDictionary(p => p.Key, p => p.Value!.GetValue<string>()) ?? [];

    private static string? Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static double? Num(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;

    private static bool Bool(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.True;

    /// <summary>A label's value, or null.</summary>
    public string? Label(string key) => Labels.TryGetValue(key, out var value) ? value : null;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Id} ({Instances} x {Cpus} cpus {Mem} MiB)");
}
