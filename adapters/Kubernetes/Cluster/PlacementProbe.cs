using Federation.Adapters.Kubernetes.Pods;
using Federation.Common;
using Federation.V1;
using k8s;
using k8s.Models;

namespace Federation.Adapters.Kubernetes.Cluster;

/// <summary>
/// What a runtime would be on this cluster, learned as the Docker adapter learns it: the runtime image runs once (a pod
/// of the system namespace, privileged like a runtime) and prints its versions and CRIU's dirty-tracking check; the
/// node's kernel and architecture come from its status. Cached for the coordinator's life.
/// </summary>
public sealed class PlacementProbe(KubeApi api, KubernetesAdapterOptions options)
{
    private Task<DescribeResponse>? probe;

    public Task<DescribeResponse> RuntimeAsync(CancellationToken ct)
    {
        // A probe that failed is tried again next time.
        if (probe is null || probe.IsFaulted || probe.IsCanceled) probe = ProbeAsync(CancellationToken.None);
        return probe.WaitAsync(ct);
    }

    private async Task<DescribeResponse> ProbeAsync(CancellationToken ct)
    {
        var name = $"federation-probe-{options.Cluster}-{Guid.NewGuid().ToString("N")[..6]}";
        var ns = options.SystemNamespace;
        await api.EnsureNamespaceAsync(ns, ct);
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["federation.io/probe"] = options.Cluster } },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Never",
                AutomountServiceAccountToken = false,
                Containers =
                [
                    new V1Container
                    {
                        Name = "probe",
                        Image = options.Pods.RuntimeImage,
                        Command = ["/bin/sh", "-c", RuntimeImageProbe.Script],
                        SecurityContext = options.Pods.Privileged ? new V1SecurityContext { Privileged = true }
                            : new V1SecurityContext { Capabilities = new V1Capabilities { Add = ["ALL"], Drop = ["SYS_RESOURCE"] }, SeccompProfile = new V1SeccompProfile { Type = "Unconfined" } },
                    },
                ],
            },
        };
        await api.CallAsync($"create probe pod {ns}/{name}", t => api.Client.CoreV1.CreateNamespacedPodAsync(pod, ns, cancellationToken: t), ct);
        try
        {
            await api.WaitForPodAsync(ns, name, p => p.Status?.Phase == "Succeeded", options.PodReadyTimeout, ct);
            var logs = await api.CallAsync($"read probe logs {ns}/{name}", t => api.Client.CoreV1.ReadNamespacedPodLogAsync(name, ns, cancellationToken: t), ct);
            using var reader = new StreamReader(logs);
            return RuntimeImageProbe.Parse(await reader.ReadToEndAsync(ct));
        }
        finally
        {
            await api.DeleteAsync($"delete probe pod {ns}/{name}", t => api.Client.CoreV1.DeleteNamespacedPodAsync(name, ns, gracePeriodSeconds: 0, cancellationToken: t), CancellationToken.None);
        }
    }
}
