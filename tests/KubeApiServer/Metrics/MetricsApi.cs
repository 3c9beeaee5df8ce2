using System.Globalization;
using System.Text.Json.Nodes;
using Federation.Tests.Kube.Http;
using Federation.Tests.Kube.Resources;
using Federation.Tests.Kube.Selectors;
using Federation.Tests.Kube.Store;
using k8s.Models;

namespace Federation.Tests.Kube.Metrics;

/// <summary>
/// The resource metrics API as metrics-server serves it through the aggregation layer (group metrics.k8s.io, version
/// v1beta1, read-only): discovery, <c>nodes</c> and <c>nodes/{name}</c> (NodeMetrics), <c>pods</c>,
/// <c>namespaces/{ns}/pods</c> and <c>namespaces/{ns}/pods/{name}</c> (PodMetrics), with label selectors on the node's or
/// pod's labels (metrics-server copies them into the item's metadata). Items exist only for objects that exist and have
/// readings (<see cref="MetricsReadings"/>); one asked for by name without them is 404 as metrics-server answers.
/// </summary>
public sealed class MetricsApi(MetricsReadings readings, ResourceCatalog catalog, ObjectStore store)
{
    public const string Group = "metrics.k8s.io";
    public const string Version = "v1beta1";
    private const string Prefix = "/apis/" + Group;

    public static JsonObject GroupEntry()
    {
        var groupVersion = new JsonObject { ["groupVersion"] = $"{Group}/{Version}", ["version"] = Version };
        return new JsonObject { ["name"] = Group, ["versions"] = new JsonArray(groupVersion), ["preferredVersion"] = groupVersion.DeepClone() };
    }

    /// <summary>The answer for <paramref name="path"/> (status code and body), or null when the path is not the metrics API's.</summary>
    public (int Code, JsonObject Body)? Answer(string path, string method, string? labelSelector)
    {
        var trimmed = path.TrimEnd('/');
        if (trimmed != Prefix && !trimmed.StartsWith(Prefix + "/", StringComparison.Ordinal)) return null;
        if (method != "GET") throw KubeStatusException.MethodNotAllowed();
        var segments = trimmed[(Prefix.Length)..].Split('/', StringSplitOptions.RemoveEmptyEntries);
        var selector = LabelSelector.Parse(labelSelector);
        return segments switch
        {
            [] => (200, Discovery()),
            [Version] => (200, Resources()),
            [Version, "nodes"] => (200, List("NodeMetricsList", Nodes(selector))),
            [Version, "nodes", var name] => (200, Nodes(LabelSelector.Everything).FirstOrDefault(n => NameOf(n) == name) ?? throw NotFound("nodemetrics", name)),
            [Version, "pods"] => (200, List("PodMetricsList", Pods(null, selector))),
            [Version, "namespaces", var ns, "pods"] => (200, List("PodMetricsList", Pods(ns, selector))),
            [Version, "namespaces", var ns, "pods", var name] => (200, Pods(ns, LabelSelector.Everything).FirstOrDefault(p => NameOf(p) == name) ?? throw NotFound("podmetrics", name)),
            _ => throw new KubeStatusException(404, "NotFound", "the server could not find the requested resource", new JsonObject()),
        };
    }

    private static JsonObject Discovery()
    {
        var entry = GroupEntry();
        entry["kind"] = "APIGroup";
        entry["apiVersion"] = "v1";
        return entry;
    }

    private static JsonObject Resources() => new()
    {
        ["kind"] = "APIResourceList",
        ["apiVersion"] = "v1",
        ["groupVersion"] = $"{Group}/{Version}",
        ["resources"] = new JsonArray(
            new JsonObject { ["name"] = "nodes", ["singularName"] = "", ["namespaced"] = false, ["kind"] = "NodeMetrics", ["verbs"] = new JsonArray("get", "list") },
            new JsonObject { ["name"] = "pods", ["singularName"] = "", ["namespaced"] = true, ["kind"] = "PodMetrics", ["verbs"] = new JsonArray("get", "list") }),
    };

    private IEnumerable<JsonObject> Nodes(LabelSelector selector)
    {
        var pods = store.List(catalog.Get("", "pods"), null).Items;
        foreach (var node in store.List(catalog.Get("", "nodes"), null).Items.Where(n => selector.Matches(LabelsOf(n))))
        {
            var name = NameOf(node);
            var usage = readings.Node(name);
            if (usage is null)
            {
                // No reading of its own: what its pods use.
                var own = pods.Where(p => p["spec"]?["nodeName"]?.GetValue<string>() == name)
                    .Select(p => readings.Pod(NamespaceOf(p), NameOf(p))).Where(c => c is not null).SelectMany(c => c!.Values).ToList();
                if (own.Count == 0) continue;
                usage = new ContainerUsage(
                    $"{(long)(own.Sum(u => new ResourceQuantity(u.Cpu).ToDecimal()) * 1_000_000_000m)}n",
                    $"{(long)(own.Sum(u => new ResourceQuantity(u.Memory).ToDecimal()) / 1024m)}Ki");
            }
            yield return new JsonObject
            {
                ["kind"] = "NodeMetrics",
                ["apiVersion"] = $"{Group}/{Version}",
                ["metadata"] = Metadata(node, null),
                ["timestamp"] = Timestamp(),
                ["window"] = WindowText(),
                ["usage"] = Usage(usage),
            };
        }
    }

    private IEnumerable<JsonObject> Pods(string? ns, LabelSelector selector)
    {
        foreach (var pod in store.List(catalog.Get("", "pods"), ns).Items.Where(p => selector.Matches(LabelsOf(p))))
        {
            if (readings.Pod(NamespaceOf(pod), NameOf(pod)) is not { Count: > 0 } containers) continue;
            var list = new JsonArray();
            foreach (var (container, usage) in containers.OrderBy(c => c.Key, StringComparer.Ordinal))
                list.Add(new JsonObject { ["name"] = container, ["usage"] = Usage(usage) });
            yield return new JsonObject
            {
                ["kind"] = "PodMetrics",
                ["apiVersion"] = $"{Group}/{Version}",
                ["metadata"] = Metadata(pod, NamespaceOf(pod)),
                ["timestamp"] = Timestamp(),
                ["window"] = WindowText(),
                ["containers"] = list,
            };
        }
    }

    private static JsonObject List(string kind, IEnumerable<JsonObject> items)
    {
        var array = new JsonArray();
        foreach (var item in items)
        {
            item.Remove("kind");
            item.Remove("apiVersion");
            array.Add(item);
        }
        return new JsonObject { ["kind"] = kind, ["apiVersion"] = $"{Group}/{Version}", ["metadata"] = new JsonObject(), ["items"] = array };
    }

    private static JsonObject Metadata(JsonObject item, string? ns)
    {
        var metadata = new JsonObject { ["name"] = NameOf(item) };
        if (ns is not null) metadata["namespace"] = ns;
        metadata["creationTimestamp"] = Timestamp();
        if (item["metadata"]?["labels"] is JsonObject labels) metadata["labels"] = labels.DeepClone();
        return metadata;
    }

    private static JsonObject Usage(ContainerUsage usage) => new() { ["cpu"] = usage.Cpu, ["memory"] = usage.Memory };

    private static string Timestamp() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private string WindowText() => $"{readings.Window.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s";

    private static KubeStatusException NotFound(string resource, string name) => KubeStatusException.NotFound($"{resource}.{Group}", name, Group);

    private static string NameOf(JsonObject item) => item["metadata"]?["name"]?.GetValue<string>() ?? "";

    private static string NamespaceOf(JsonObject item) => item["metadata"]?["namespace"]?.GetValue<string>() ?? "";

    private static Dictionary<string, string> LabelsOf(JsonObject item) =>
        (item["metadata"]?["labels"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "");
}
