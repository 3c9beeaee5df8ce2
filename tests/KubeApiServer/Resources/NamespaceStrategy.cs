using Federation.Tests.Kube.Validation;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Resources;

/// <summary>core/v1 namespaces: DNS-1123 label names, the kubernetes.io/metadata.name label, Active phase, the "kubernetes" finalizer.</summary>
public sealed class NamespaceStrategy : ResourceStrategy
{
    public override Func<string, IEnumerable<string>> NameRule => NameRules.Label;

    public override void Default(IKubernetesObject<V1ObjectMeta> model, StrategyContext context)
    {
        var ns = (V1Namespace)model;
        if (!string.IsNullOrEmpty(ns.Metadata?.Name))
        {
            ns.Metadata.Labels ??= new Dictionary<string, string>();
            ns.Metadata.Labels["kubernetes.io/metadata.name"] = ns.Metadata.Name;
        }
    }

    public override void PrepareForCreate(IKubernetesObject<V1ObjectMeta> model, StrategyContext context)
    {
        var ns = (V1Namespace)model;
        ns.Spec = new V1NamespaceSpec { Finalizers = ["kubernetes"] };
        ns.Status = new V1NamespaceStatus { Phase = "Active" };
    }

    public override IReadOnlyDictionary<string, Func<System.Text.Json.Nodes.JsonObject, string?>> SelectableFields { get; } =
        new Dictionary<string, Func<System.Text.Json.Nodes.JsonObject, string?>>
        {
            ["status.phase"] = o => o["status"]?["phase"]?.GetValue<string>() ?? "",
        };

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        TableColumn.NameColumn,
        TableColumn.Text("Status", o => o["status"]?["phase"]?.GetValue<string>()),
        TableColumn.AgeColumn,
    ];
}
