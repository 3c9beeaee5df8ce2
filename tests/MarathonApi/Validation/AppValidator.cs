using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Federation.Tests.Marathon.Http;

namespace Federation.Tests.Marathon.Validation;

/// <summary>
/// Checks an app definition as Marathon does before it accepts it: JSON types first (422 "Invalid JSON", Play JSON's error
/// keys), then the model's rules (422 "Object is not valid", Accord's messages). Unlike Marathon, unknown fields are refused
/// too (Marathon ignores them; its issue #2164 asked for this strict mode): an adapter's typo fails its test.
/// </summary>
public static partial class AppValidator
{
    private static readonly string[] Operators = ["UNIQUE", "CLUSTER", "GROUP_BY", "LIKE", "UNLIKE", "MAX_PER", "IS"];
    private static readonly string[] HealthProtocols = ["HTTP", "HTTPS", "TCP", "COMMAND", "MESOS_HTTP", "MESOS_HTTPS", "MESOS_TCP"];

    [GeneratedRegex("^[a-z0-9-]+$")]
    private static partial Regex PortName();

    /// <summary>Throws the 422 Marathon answers when <paramref name="app"/> (a whole definition, after a partial update is merged) is not valid.</summary>
    /// <exception cref="MarathonApiException">422 with the offending fields' paths.</exception>
    public static void Check(JsonObject app)
    {
        var found = new List<(string Path, string Error)>();
        AppSchema.App.Check(app, "", found, strict: true);
        var typeErrors = found.Where(e => !e.Error.StartsWith("Unknown field", StringComparison.Ordinal)).ToList();
        if (typeErrors.Count > 0) throw MarathonApiException.InvalidJson(typeErrors);
        if (found.Count > 0) throw MarathonApiException.Invalid(found);

        var errors = new List<(string Path, string Error)>();
        var id = Str(app["id"]);
        if (id is null) errors.Add(("/id", "error.path.missing"));
        else if (AppIds.Normalize(id, out var idError) is null) errors.Add(("/id", idError!));
        NotNegative(app, "instances", errors);
        NotNegative(app, "cpus", errors);
        NotNegative(app, "mem", errors);
        NotNegative(app, "disk", errors);
        NotNegative(app, "gpus", errors);
        NotNegative(app, "backoffSeconds", errors);
        if (Num(app["backoffFactor"]) is { } factor && factor < 1) errors.Add(("/backoffFactor", $"got {factor}, expected 1.0 or more"));
        var container = app["container"] as JsonObject;
        if (Str(app["cmd"]) is null && app["args"] is null && container is null)
            errors.Add(("/", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."));
        if (container is not null) CheckContainer(container, errors);
        if (app["constraints"] is JsonArray constraints)
            for (var i = 0; i < constraints.Count; i++) CheckConstraint(constraints[i] as JsonArray, $"/constraints({i})", errors);
        if (app["dependencies"] is JsonArray dependencies)
            for (var i = 0; i < dependencies.Count; i++)
                if (Str(dependencies[i]) is { } dep && AppIds.Normalize(dep, out var depError) is null) errors.Add(($"/dependencies({i})", depError!));
        if (app["portDefinitions"] is JsonArray definitions) CheckPorts(definitions, "/portDefinitions", errors);
        var portCount = PortCount(app);
        if (app["healthChecks"] is JsonArray checks)
            for (var i = 0; i < checks.Count; i++) CheckHealth(checks[i] as JsonObject, $"/healthChecks({i})", portCount, errors);
        if (app["upgradeStrategy"] is JsonObject upgrade)
        {
            foreach (var name in new[] { "minimumHealthCapacity", "maximumOverCapacity" })
                if (Num(upgrade[name]) is { } v && v is < 0 or > 1) errors.Add(($"/upgradeStrategy/{name}", $"got {v}, expected between 0.0 and 1.0"));
        }
        if (Str(app["killSelection"]) is { } kill && kill is not ("YOUNGEST_FIRST" or "OLDEST_FIRST"))
            errors.Add(("/killSelection", "error.expected.enum: YOUNGEST_FIRST, OLDEST_FIRST"));
        if (app["networks"] is JsonArray networks)
            for (var i = 0; i < networks.Count; i++)
                if (Str(networks[i]?["mode"]) is { } mode && mode is not ("host" or "container/bridge" or "container"))
                    errors.Add(($"/networks({i})/mode", "error.expected.enum: host, container/bridge, container"));
        if (errors.Count > 0) throw MarathonApiException.Invalid(errors);
    }

    private static void CheckContainer(JsonObject container, List<(string, string)> errors)
    {
        var type = Str(container["type"]) ?? "DOCKER";
        if (type is not ("DOCKER" or "MESOS")) errors.Add(("/container/type", "error.expected.enum: DOCKER, MESOS"));
        if (container["docker"] is JsonObject docker)
        {
            if (string.IsNullOrWhiteSpace(Str(docker["image"]))) errors.Add(("/container/docker/image", "must not be empty"));
            if (Str(docker["network"]) is { } network && network is not ("HOST" or "BRIDGE" or "USER" or "NONE"))
                errors.Add(("/container/docker/network", "error.expected.enum: HOST, BRIDGE, USER, NONE"));
            if (docker["portMappings"] is JsonArray mappings) CheckPorts(mappings, "/container/docker/portMappings", errors);
            if (docker["parameters"] is JsonArray parameters)
                for (var i = 0; i < parameters.Count; i++)
                    if (string.IsNullOrEmpty(Str(parameters[i]?["key"]))) errors.Add(($"/container/docker/parameters({i})/key", "must not be empty"));
        }
        else if (type == "DOCKER")
        {
            errors.Add(("/container/docker", "must not be empty"));
        }
        if (container["portMappings"] is JsonArray containerMappings) CheckPorts(containerMappings, "/container/portMappings", errors);
        if (container["volumes"] is JsonArray volumes)
        {
            for (var i = 0; i < volumes.Count; i++)
            {
                var volume = volumes[i] as JsonObject;
                if (string.IsNullOrEmpty(Str(volume?["containerPath"]))) errors.Add(($"/container/volumes({i})/containerPath", "must not be empty"));
                if (Str(volume?["mode"]) is { } mode && mode is not ("RO" or "RW")) errors.Add(($"/container/volumes({i})/mode", "error.expected.enum: RO, RW"));
            }
        }
    }

    private static void CheckPorts(JsonArray ports, string path, List<(string, string)> errors)
    {
        var names = new HashSet<string>();
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i] as JsonObject;
            foreach (var field in new[] { "port", "containerPort", "hostPort", "servicePort" })
                if (port?[field] is { } value && value.GetValue<long>() is < 0 or > 65535)
                    errors.Add(($"{path}({i})/{field}", $"got {value}, expected between 0 and 65535"));
            if (Str(port?["name"]) is { } name)
            {
                if (!PortName().IsMatch(name)) errors.Add(($"{path}({i})/name", "must fully match regular expression '^[a-z0-9-]+$'"));
                else if (!names.Add(name)) errors.Add((path, "Port names must be unique."));
            }
            if (Str(port?["protocol"]) is { } protocol && protocol is not ("tcp" or "udp" or "udp,tcp" or "tcp,udp"))
                errors.Add(($"{path}({i})/protocol", "error.expected.enum: tcp, udp, udp,tcp"));
        }
    }

    private static void CheckConstraint(JsonArray? constraint, string path, List<(string, string)> errors)
    {
        if (constraint is null || constraint.Count is < 2 or > 3)
        {
            errors.Add((path, "Each constraint must have either 2 or 3 fields"));
            return;
        }
        var op = Str(constraint[1]) ?? "";
        if (!Operators.Contains(op)) errors.Add((path, $"Constraint operator must be one of the following: [{string.Join(", ", Operators)}]"));
        else if (op is "LIKE" or "UNLIKE" or "MAX_PER" or "IS" && constraint.Count != 3) errors.Add((path, $"{op} requires a value"));
        else if (op is "LIKE" or "UNLIKE")
        {
            try { _ = new Regex(Str(constraint[2]) ?? ""); }
            catch (ArgumentException) { errors.Add((path, $"'{Str(constraint[2])}' is not a valid regular expression")); }
        }
        else if (op == "MAX_PER" && !int.TryParse(Str(constraint[2]), out _)) errors.Add((path, "Value was not a valid integer"));
    }

    private static void CheckHealth(JsonObject? check, string path, int portCount, List<(string, string)> errors)
    {
        if (check is null) return;
        var protocol = Str(check["protocol"]) ?? "HTTP";
        if (!HealthProtocols.Contains(protocol)) errors.Add(($"{path}/protocol", $"error.expected.enum: {string.Join(", ", HealthProtocols)}"));
        if (protocol.EndsWith("COMMAND", StringComparison.Ordinal))
        {
            if (string.IsNullOrEmpty(Str(check["command"]?["value"]))) errors.Add(($"{path}/command", "must not be empty for a COMMAND health check"));
            return;
        }
        if (check["port"] is null && (Num(check["portIndex"]) is not { } index ? portCount == 0 : index < 0 || index >= portCount))
            errors.Add((path, "Health check port indices must address an element of the ports array or container port mappings."));
        foreach (var name in new[] { "gracePeriodSeconds", "intervalSeconds", "timeoutSeconds", "maxConsecutiveFailures" })
            if (Num(check[name]) is { } v && v < 0) errors.Add(($"{path}/{name}", $"got {v}, expected 0 or more"));
    }

    private static int PortCount(JsonObject app)
    {
        var docker = app["container"]?["docker"];
        var mappings = (app["container"]?["portMappings"] ?? docker?["portMappings"]) as JsonArray;
        var network = Str(docker?["network"]) ?? NetworkFromNetworks(app);
        if (network is "BRIDGE" or "USER") return mappings?.Count ?? 0;
        // HOST: portDefinitions (or the legacy "ports"); none given means Marathon's default of one port.
        return (app["portDefinitions"] as JsonArray)?.Count ?? (app["ports"] as JsonArray)?.Count ?? 1;
    }

    private static string NetworkFromNetworks(JsonObject app) =>
        Str((app["networks"] as JsonArray)?.FirstOrDefault()?["mode"]) switch
        {
            "container/bridge" => "BRIDGE",
            "container" => "USER",
            _ => "HOST",
        };

    private static void NotNegative(JsonObject app, string name, List<(string, string)> errors)
    {
        if (Num(app[name]) is { } v && v < 0) errors.Add(($"/{name}", $"got {v}, expected 0 or more"));
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static double? Num(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;
}
