using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Resources;

/// <summary>core/v1 nodes: cluster-scoped, status written by the node agent through nodes/status.</summary>
public sealed class NodeStrategy : ResourceStrategy
{
    public override void Default(IKubernetesObject<V1ObjectMeta> model, StrategyContext context) =>
        ((V1Node)model).Spec ??= new V1NodeSpec();

    public override IReadOnlyDictionary<string, Func<JsonObject, string?>> SelectableFields { get; } = new Dictionary<string, Func<JsonObject, string?>>
    {
        ["spec.unschedulable"] = o => (o["spec"]?["unschedulable"]?.GetValue<bool>() ?? false) ? "true" : "false",
    };

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        TableColumn.NameColumn,
        TableColumn.Text("Status", o => o["status"]?["conditions"]?.AsArray()
            .FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Ready")?["status"]?.GetValue<string>() == "True" ? "Ready" : "NotReady"),
        TableColumn.Text("Roles", o => string.Join(",", (o["metadata"]?["labels"]?.AsObject() ?? [])
            .Where(l => l.Key.StartsWith("node-role.kubernetes.io/", StringComparison.Ordinal))
            .Select(l => l.Key["node-role.kubernetes.io/".Length..])) is { Length: > 0 } roles ? roles : "<none>"),
        TableColumn.AgeColumn,
        TableColumn.Text("Version", o => o["status"]?["nodeInfo"]?["kubeletVersion"]?.GetValue<string>()),
        TableColumn.Text("Internal-IP", o => o["status"]?["addresses"]?.AsArray()
            .FirstOrDefault(a => a?["type"]?.GetValue<string>() == "InternalIP")?["address"]?.GetValue<string>(), priority: 1),
        TableColumn.Text("Container-Runtime", o => o["status"]?["nodeInfo"]?["containerRuntimeVersion"]?.GetValue<string>(), priority: 1),
    ];
}
