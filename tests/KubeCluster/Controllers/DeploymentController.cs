using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Kube;

/// <summary>
/// The Deployment controller: one ReplicaSet per pod template (named and labelled with its pod-template-hash) holding
/// spec.replicas, the ReplicaSets of older templates scaled to 0, and the Deployment's status summed from its ReplicaSets.
/// </summary>
public sealed partial class DeploymentController(IKubernetes client, ILogger logger)
{
    public const string TemplateHashLabel = "pod-template-hash";

    public Task<bool> ReconcileAsync(ClusterState state, CancellationToken ct) =>
        ReconcileLoop.EachAsync(state.Deployments.Where(d => d.Metadata.DeletionTimestamp is null), deployment => ReconcileOneAsync(deployment, state, ct));

    private async Task<bool> ReconcileOneAsync(V1Deployment deployment, ClusterState state, CancellationToken ct)
    {
        var ns = deployment.Metadata.NamespaceProperty;
        var owned = state.ReplicaSets.Where(rs => rs.Metadata.NamespaceProperty == ns && Owners.IsControlledBy(rs.Metadata, deployment.Metadata)).ToList();
        var hash = Owners.TemplateHash(deployment.Spec.Template);
        var want = deployment.Spec.Replicas ?? 1;
        var current = owned.FirstOrDefault(rs => rs.Metadata.Labels?.TryGetValue(TemplateHashLabel, out var h) == true && h == hash);
        var settled = true;
        if (current is null)
        {
            current = await CreateReplicaSetAsync(deployment, hash, want, ct);
        }
        else if (current.Spec.Replicas != want)
        {
            current.Spec.Replicas = want;
            settled &= await ReplaceAsync(current, ct);
        }
        foreach (var old in owned.Where(rs => rs.Metadata.Uid != current.Metadata.Uid && rs.Spec.Replicas != 0))
        {
            old.Spec.Replicas = 0;
            settled &= await ReplaceAsync(old, ct);
        }
        var all = owned.Where(rs => rs.Metadata.Uid != current.Metadata.Uid).Append(current).ToList();
        var ready = all.Sum(rs => rs.Status?.ReadyReplicas ?? 0);
        var available = all.Sum(rs => rs.Status?.AvailableReplicas ?? 0);
        var status = new V1DeploymentStatus
        {
            Replicas = all.Sum(rs => rs.Status?.Replicas ?? 0),
            UpdatedReplicas = current.Status?.Replicas ?? 0,
            ReadyReplicas = ready,
            AvailableReplicas = available,
            UnavailableReplicas = Math.Max(0, want - available),
            ObservedGeneration = deployment.Metadata.Generation,
            Conditions =
            [
                new V1DeploymentCondition
                {
                    Type = "Available",
                    Status = available >= want ? "True" : "False",
                    Reason = available >= want ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                    Message = available >= want ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
                    LastTransitionTime = deployment.Status?.Conditions?.FirstOrDefault(c => c.Type == "Available" && c.Status == (available >= want ? "True" : "False"))?.LastTransitionTime ?? DateTime.UtcNow,
                    LastUpdateTime = deployment.Status?.Conditions?.FirstOrDefault(c => c.Type == "Available" && c.Status == (available >= want ? "True" : "False"))?.LastUpdateTime ?? DateTime.UtcNow,
                },
            ],
        };
        if (KubernetesJson.Serialize(status) == KubernetesJson.Serialize(deployment.Status ?? new V1DeploymentStatus())) return settled;
        deployment.Status = status;
        try { await client.AppsV1.ReplaceNamespacedDeploymentStatusAsync(deployment, deployment.Metadata.Name, ns, cancellationToken: ct); }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound) { return false; }
        return settled;
    }

    private async Task<V1ReplicaSet> CreateReplicaSetAsync(V1Deployment deployment, string hash, int replicas, CancellationToken ct)
    {
        var template = KubernetesJson.Deserialize<V1PodTemplateSpec>(KubernetesJson.Serialize(deployment.Spec.Template));
        template.Metadata ??= new V1ObjectMeta();
        template.Metadata.Labels = new Dictionary<string, string>(template.Metadata.Labels ?? new Dictionary<string, string>()) { [TemplateHashLabel] = hash };
        var selector = KubernetesJson.Deserialize<V1LabelSelector>(KubernetesJson.Serialize(deployment.Spec.Selector));
        selector.MatchLabels = new Dictionary<string, string>(selector.MatchLabels ?? new Dictionary<string, string>()) { [TemplateHashLabel] = hash };
        var rs = new V1ReplicaSet
        {
            ApiVersion = "apps/v1",
            Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta
            {
                Name = $"{deployment.Metadata.Name}-{hash}",
                NamespaceProperty = deployment.Metadata.NamespaceProperty,
                Labels = template.Metadata.Labels,
                Annotations = new Dictionary<string, string> { ["deployment.kubernetes.io/desired-replicas"] = replicas.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                OwnerReferences = [Owners.ControllerReference(deployment)],
            },
            Spec = new V1ReplicaSetSpec { Replicas = replicas, Selector = selector, Template = template, MinReadySeconds = deployment.Spec.MinReadySeconds },
        };
        var created = await client.AppsV1.CreateNamespacedReplicaSetAsync(rs, deployment.Metadata.NamespaceProperty, cancellationToken: ct);
        LogCreated(logger, deployment.Metadata.NamespaceProperty, deployment.Metadata.Name, created.Metadata.Name);
        return created;
    }

    private async Task<bool> ReplaceAsync(V1ReplicaSet rs, CancellationToken ct)
    {
        try
        {
            await client.AppsV1.ReplaceNamespacedReplicaSetAsync(rs, rs.Metadata.Name, rs.Metadata.NamespaceProperty, cancellationToken: ct);
            LogScaled(logger, rs.Metadata.NamespaceProperty, rs.Metadata.Name, rs.Spec.Replicas ?? 0);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "deployment {Namespace}/{Name}: created replicaset {ReplicaSet}")]
    private static partial void LogCreated(ILogger logger, string @namespace, string name, string replicaSet);

    [LoggerMessage(Level = LogLevel.Information, Message = "replicaset {Namespace}/{Name} scaled to {Replicas}")]
    private static partial void LogScaled(ILogger logger, string @namespace, string name, int replicas);
}
