using System.Text.Json.Nodes;
using Federation.Tests.Marathon.Validation;

namespace Federation.Tests.Marathon.State;

/// <summary>
/// What Marathon does to a valid definition before it stores it: the canonical id, its defaults filled in, and service ports
/// given to ports that ask for any (0) from <c>local_port_min..local_port_max</c> (10000-20000), keeping an updated app's.
/// </summary>
public static class AppNormalizer
{
    public const int ServicePortMin = 10000;
    public const int ServicePortMax = 20000;

    public static JsonObject Normalize(JsonObject body, JsonObject? previous, ISet<int> usedServicePorts)
    {
        var app = (JsonObject)body.DeepClone();
        app.Remove("version");
        app.Remove("versionInfo");
        app["id"] = AppIds.Normalize(app["id"]!.GetValue<string>(), out _);
        foreach (var (name, value) in Defaults())
            if (app[name] is null) app[name] = value;
        var docker = app["container"]?["docker"] as JsonObject;
        var mappings = (app["container"]?["portMappings"] ?? docker?["portMappings"]) as JsonArray;
        var network = docker?["network"]?.GetValue<string>() ?? ((app["networks"] as JsonArray)?.FirstOrDefault()?["mode"]?.GetValue<string>() switch
        {
            "container/bridge" => "BRIDGE",
            "container" => "USER",
            _ => "HOST",
        });
        var oldPorts = previous?["ports"] as JsonArray;
        int Assign(JsonNode? requested, int index)
        {
            var wanted = requested?.GetValue<int>() ?? 0;
            if (wanted != 0)
            {
                usedServicePorts.Add(wanted);
                return wanted;
            }
            if (oldPorts is not null && index < oldPorts.Count && oldPorts[index]?.GetValue<int>() is > 0 and var kept && usedServicePorts.Add(kept)) return kept;
            for (var port = ServicePortMin; port <= ServicePortMax; port++)
                if (usedServicePorts.Add(port)) return port;
            throw new InvalidOperationException("no service port left in 10000-20000");
        }
        var servicePorts = new JsonArray();
        if (network is "BRIDGE" or "USER")
        {
            // Marathon shows no port definitions for an app on a container network: its ports are the mappings.
            app["portDefinitions"] = new JsonArray();
            if (mappings is not null)
                for (var i = 0; i < mappings.Count; i++)
                {
                    var mapping = (JsonObject)mappings[i]!;
                    mapping["servicePort"] = Assign(mapping["servicePort"], i);
                    mapping["protocol"] ??= "tcp";
                    if (network == "BRIDGE") mapping["hostPort"] ??= 0;
                    servicePorts.Add(mapping["servicePort"]!.GetValue<int>());
                }
        }
        else
        {
            if (app["portDefinitions"] is not JsonArray definitions)
            {
                definitions = app["ports"] is JsonArray legacy
                    ? new JsonArray(legacy.Select(p => (JsonNode)new JsonObject { ["port"] = p?.GetValue<int>() ?? 0, ["protocol"] = "tcp" }).ToArray())
                    : new JsonArray(new JsonObject { ["port"] = 0, ["protocol"] = "tcp" });
                app["portDefinitions"] = definitions;
            }
            for (var i = 0; i < definitions.Count; i++)
            {
                var definition = (JsonObject)definitions[i]!;
                definition["port"] = Assign(definition["port"], i);
                definition["protocol"] ??= "tcp";
                servicePorts.Add(definition["port"]!.GetValue<int>());
            }
        }
        app["ports"] = servicePorts;
        // Values made here are CLR numbers; read back as JSON every number reads as any numeric type, as parsed ones do.
        return (JsonObject)JsonNode.Parse(app.ToJsonString())!;
    }

    /// <summary>The service ports an app holds (its <c>ports</c>).</summary>
    public static IEnumerable<int> ServicePorts(JsonObject app) =>
        (app["ports"] as JsonArray ?? []).Select(p => p?.GetValue<int>() ?? 0).Where(p => p > 0);

    private static IEnumerable<(string, JsonNode)> Defaults() =>
    [
        ("instances", 1), ("cpus", 1.0), ("mem", 128.0), ("disk", 0.0), ("gpus", 0), ("executor", ""),
        ("env", new JsonObject()), ("labels", new JsonObject()), ("constraints", new JsonArray()), ("dependencies", new JsonArray()),
        ("healthChecks", new JsonArray()), ("readinessChecks", new JsonArray()), ("fetch", new JsonArray()), ("secrets", new JsonObject()),
        ("backoffSeconds", 1), ("backoffFactor", 1.15), ("maxLaunchDelaySeconds", 3600), ("requirePorts", false),
        ("upgradeStrategy", new JsonObject { ["minimumHealthCapacity"] = 1, ["maximumOverCapacity"] = 1 }),
        ("unreachableStrategy", new JsonObject { ["inactiveAfterSeconds"] = 0, ["expungeAfterSeconds"] = 0 }),
        ("killSelection", "YOUNGEST_FIRST"),
    ];
}
