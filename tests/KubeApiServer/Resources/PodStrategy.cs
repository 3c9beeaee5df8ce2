using System.Text.Json.Nodes;
using Federation.Tests.Kube.Validation;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Resources;

/// <summary>core/v1 pods: spec defaults, validation, spec immutability after create, Pending status at create.</summary>
public sealed class PodStrategy : ResourceStrategy
{
    public override void Default(IKubernetesObject<V1ObjectMeta> model, StrategyContext context)
    {
        var pod = (V1Pod)model;
        pod.Spec ??= new V1PodSpec();
        PodSpecRules.Default(pod.Spec);
        pod.Spec.ServiceAccountName ??= pod.Spec.ServiceAccount ?? "default";
        pod.Spec.ServiceAccount ??= pod.Spec.ServiceAccountName;
        pod.Spec.EnableServiceLinks ??= true;
        pod.Spec.Priority ??= 0;
        pod.Spec.PreemptionPolicy ??= "PreemptLowerPriority";
        pod.Spec.Tolerations ??=
        [
            new V1Toleration { Key = "node.kubernetes.io/not-ready", OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 300 },
            new V1Toleration { Key = "node.kubernetes.io/unreachable", OperatorProperty = "Exists", Effect = "NoExecute", TolerationSeconds = 300 },
        ];
    }

    public override void PrepareForCreate(IKubernetesObject<V1ObjectMeta> model, StrategyContext context)
    {
        var pod = (V1Pod)model;
        var guaranteed = (pod.Spec.Containers ?? []).All(c => c.Resources?.Limits is { Count: > 0 });
        var any = (pod.Spec.Containers ?? []).Any(c => c.Resources?.Limits is { Count: > 0 } || c.Resources?.Requests is { Count: > 0 });
        pod.Status = new V1PodStatus { Phase = "Pending", QosClass = guaranteed && any ? "Guaranteed" : any ? "Burstable" : "BestEffort" };
    }

    public override IEnumerable<FieldCause> Validate(IKubernetesObject<V1ObjectMeta> model, StrategyContext context) =>
        PodSpecRules.Validate(((V1Pod)model).Spec, "spec", template: false);

    public override IEnumerable<FieldCause> ValidateUpdate(IKubernetesObject<V1ObjectMeta> model, IKubernetesObject<V1ObjectMeta> old)
    {
        var spec = MutableParts(((V1Pod)model).Spec);
        var oldSpec = MutableParts(((V1Pod)old).Spec);
        if (!JsonNode.DeepEquals(spec, oldSpec))
        {
            yield return FieldCause.Forbidden("spec", "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)");
        }
    }

    /// <summary>The spec without the fields an update may change, for comparison.</summary>
    private static JsonNode? MutableParts(V1PodSpec? spec)
    {
        var node = JsonNode.Parse(KubernetesJson.Serialize(spec));
        if (node is not JsonObject json)
        {
            return node;
        }
        foreach (var list in new[] { "containers", "initContainers" })
        {
            foreach (var container in json[list]?.AsArray() ?? [])
            {
                container!.AsObject().Remove("image");
            }
        }
        json.Remove("activeDeadlineSeconds");
        json.Remove("tolerations");
        json.Remove("terminationGracePeriodSeconds");
        return json;
    }

    public override IReadOnlyDictionary<string, Func<JsonObject, string?>> SelectableFields { get; } = new Dictionary<string, Func<JsonObject, string?>>
    {
        ["spec.nodeName"] = o => o["spec"]?["nodeName"]?.GetValue<string>() ?? "",
        ["spec.restartPolicy"] = o => o["spec"]?["restartPolicy"]?.GetValue<string>() ?? "",
        ["spec.schedulerName"] = o => o["spec"]?["schedulerName"]?.GetValue<string>() ?? "",
        ["spec.serviceAccountName"] = o => o["spec"]?["serviceAccountName"]?.GetValue<string>() ?? "",
        ["spec.hostNetwork"] = o => (o["spec"]?["hostNetwork"]?.GetValue<bool>() ?? false) ? "true" : "false",
        ["status.phase"] = o => o["status"]?["phase"]?.GetValue<string>() ?? "",
        ["status.podIP"] = o => o["status"]?["podIP"]?.GetValue<string>() ?? "",
        ["status.nominatedNodeName"] = o => o["status"]?["nominatedNodeName"]?.GetValue<string>() ?? "",
    };

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        TableColumn.NameColumn,
        TableColumn.Text("Ready", o =>
        {
            var total = o["spec"]?["containers"]?.AsArray().Count ?? 0;
            var ready = o["status"]?["containerStatuses"]?.AsArray().Count(s => s?["ready"]?.GetValue<bool>() == true) ?? 0;
            return $"{ready}/{total}";
        }),
        TableColumn.Text("Status", o => o["metadata"]?["deletionTimestamp"] is not null ? "Terminating" : o["status"]?["reason"]?.GetValue<string>() ?? o["status"]?["phase"]?.GetValue<string>()),
        TableColumn.Integer("Restarts", o => o["status"]?["containerStatuses"]?.AsArray().Sum(s => s?["restartCount"]?.GetValue<int>() ?? 0) ?? 0),
        TableColumn.AgeColumn,
        TableColumn.Text("IP", o => o["status"]?["podIP"]?.GetValue<string>(), priority: 1),
        TableColumn.Text("Node", o => o["spec"]?["nodeName"]?.GetValue<string>(), priority: 1),
    ];
}
