using System.Text.Json.Nodes;
using Federation.Tests.Kube.Validation;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Resources;

/// <summary>
/// apps/v1 deployments, replicasets and statefulsets: a required selector that matches the template's labels and
/// may not change, replicas of at least 0, a template pod spec validated like a pod's (restartPolicy Always).
/// </summary>
public sealed class WorkloadStrategy(
    string kindName,
    Func<IKubernetesObject<V1ObjectMeta>, V1LabelSelector?> selector,
    Func<IKubernetesObject<V1ObjectMeta>, V1PodTemplateSpec?> template,
    Func<IKubernetesObject<V1ObjectMeta>, int?> replicas,
    Action<IKubernetesObject<V1ObjectMeta>> defaults,
    Action<IKubernetesObject<V1ObjectMeta>> resetStatus,
    IReadOnlyList<TableColumn> columns) : ResourceStrategy
{
    public override void Default(IKubernetesObject<V1ObjectMeta> model, StrategyContext context)
    {
        defaults(model);
        PodSpecRules.Default(template(model)?.Spec);
    }

    public override void PrepareForCreate(IKubernetesObject<V1ObjectMeta> model, StrategyContext context) => resetStatus(model);

    public override IEnumerable<FieldCause> Validate(IKubernetesObject<V1ObjectMeta> model, StrategyContext context)
    {
        var labelSelector = selector(model);
        var podTemplate = template(model);
        if (labelSelector is null)
        {
            yield return FieldCause.Required("spec.selector", "");
        }
        else if ((labelSelector.MatchLabels?.Count ?? 0) + (labelSelector.MatchExpressions?.Count ?? 0) == 0)
        {
            yield return FieldCause.Invalid("spec.selector", "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}", $"empty selector is invalid for {kindName}");
        }
        else if (!Selectors.LabelSelector.FromModel(labelSelector).Matches(podTemplate?.Metadata?.Labels))
        {
            var labels = podTemplate?.Metadata?.Labels ?? new Dictionary<string, string>();
            yield return FieldCause.Invalid("spec.template.metadata.labels",
                $"map[string]string{{{string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"\"{l.Key}\":\"{l.Value}\""))}}}",
                "`selector` does not match template `labels`");
        }
        if (replicas(model) is < 0)
        {
            yield return FieldCause.Invalid("spec.replicas", replicas(model), "must be greater than or equal to 0");
        }
        if (podTemplate is null)
        {
            yield return FieldCause.Required("spec.template", "");
            yield break;
        }
        foreach (var cause in PodSpecRules.Validate(podTemplate.Spec, "spec.template.spec", template: true))
        {
            yield return cause;
        }
        if (podTemplate.Spec?.RestartPolicy is { } restart and not "Always")
        {
            yield return FieldCause.NotSupported("spec.template.spec.restartPolicy", restart, "Always");
        }
    }

    public override IEnumerable<FieldCause> ValidateUpdate(IKubernetesObject<V1ObjectMeta> model, IKubernetesObject<V1ObjectMeta> old)
    {
        var now = JsonNode.Parse(KubernetesJson.Serialize(selector(model)));
        var before = JsonNode.Parse(KubernetesJson.Serialize(selector(old)));
        if (!JsonNode.DeepEquals(now, before))
        {
            yield return FieldCause.Invalid("spec.selector", now?.ToJsonString(), "field is immutable");
        }
    }

    public override IReadOnlyList<TableColumn> Columns { get; } = columns;

    public static WorkloadStrategy Deployments() => new(
        "deployment",
        m => ((V1Deployment)m).Spec?.Selector,
        m => ((V1Deployment)m).Spec?.Template,
        m => ((V1Deployment)m).Spec?.Replicas,
        m =>
        {
            var spec = ((V1Deployment)m).Spec ??= new V1DeploymentSpec();
            spec.Replicas ??= 1;
            spec.RevisionHistoryLimit ??= 10;
            spec.ProgressDeadlineSeconds ??= 600;
            spec.Strategy ??= new V1DeploymentStrategy { Type = "RollingUpdate" };
            if (spec.Strategy.Type == "RollingUpdate")
            {
                spec.Strategy.RollingUpdate ??= new V1RollingUpdateDeployment();
                spec.Strategy.RollingUpdate.MaxSurge ??= "25%";
                spec.Strategy.RollingUpdate.MaxUnavailable ??= "25%";
            }
        },
        m => ((V1Deployment)m).Status = new V1DeploymentStatus(),
        [
            TableColumn.NameColumn,
            TableColumn.Text("Ready", o => $"{o["status"]?["readyReplicas"]?.GetValue<int>() ?? 0}/{o["spec"]?["replicas"]?.GetValue<int>() ?? 0}"),
            TableColumn.Integer("Up-to-date", o => o["status"]?["updatedReplicas"]?.GetValue<int>() ?? 0),
            TableColumn.Integer("Available", o => o["status"]?["availableReplicas"]?.GetValue<int>() ?? 0),
            TableColumn.AgeColumn,
        ]);

    public static WorkloadStrategy ReplicaSets() => new(
        "replicaset",
        m => ((V1ReplicaSet)m).Spec?.Selector,
        m => ((V1ReplicaSet)m).Spec?.Template,
        m => ((V1ReplicaSet)m).Spec?.Replicas,
        m => (((V1ReplicaSet)m).Spec ??= new V1ReplicaSetSpec()).Replicas ??= 1,
        m => ((V1ReplicaSet)m).Status = new V1ReplicaSetStatus { Replicas = 0 },
        [
            TableColumn.NameColumn,
            TableColumn.Integer("Desired", o => o["spec"]?["replicas"]?.GetValue<int>() ?? 0),
            TableColumn.Integer("Current", o => o["status"]?["replicas"]?.GetValue<int>() ?? 0),
            TableColumn.Integer("Ready", o => o["status"]?["readyReplicas"]?.GetValue<int>() ?? 0),
            TableColumn.AgeColumn,
        ]);

    public static WorkloadStrategy StatefulSets() => new(
        "statefulset",
        m => ((V1StatefulSet)m).Spec?.Selector,
        m => ((V1StatefulSet)m).Spec?.Template,
        m => ((V1StatefulSet)m).Spec?.Replicas,
        m =>
        {
            var spec = ((V1StatefulSet)m).Spec ??= new V1StatefulSetSpec();
            spec.Replicas ??= 1;
            spec.PodManagementPolicy ??= "OrderedReady";
            spec.RevisionHistoryLimit ??= 10;
            spec.UpdateStrategy ??= new V1StatefulSetUpdateStrategy { Type = "RollingUpdate" };
            if (spec.UpdateStrategy.Type == "RollingUpdate")
            {
                spec.UpdateStrategy.RollingUpdate ??= new V1RollingUpdateStatefulSetStrategy { Partition = 0 };
            }
            spec.PersistentVolumeClaimRetentionPolicy ??= new V1StatefulSetPersistentVolumeClaimRetentionPolicy { WhenDeleted = "Retain", WhenScaled = "Retain" };
        },
        m => ((V1StatefulSet)m).Status = new V1StatefulSetStatus { Replicas = 0, AvailableReplicas = 0 },
        [
            TableColumn.NameColumn,
            TableColumn.Text("Ready", o => $"{o["status"]?["readyReplicas"]?.GetValue<int>() ?? 0}/{o["spec"]?["replicas"]?.GetValue<int>() ?? 0}"),
            TableColumn.AgeColumn,
        ]);
}
