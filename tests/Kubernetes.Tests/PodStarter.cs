using Federation.Adapters.Kubernetes.Cluster;
using k8s;
using k8s.Models;

namespace Federation.Kubernetes.Tests;

/// <summary>
/// Plays the kubelet for the mock API server, which runs nothing: every pod created while it watches is marked Running
/// at 127.0.0.1 with all its containers ready (through <c>pods/status</c>, as a kubelet reports), so the adapter gets past
/// its waits for the pod and reaches the Engine calls a test double answers.
/// </summary>
internal sealed class PodStarter : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task watching;

    public PodStarter(KubeApi api, IKubernetes client) => watching = WatchAsync(api, client, stop.Token);

    private static async Task WatchAsync(KubeApi api, IKubernetes client, CancellationToken ct)
    {
        try
        {
            await foreach (var (type, pod) in api.PodWatch(null, "").RunAsync(initial: true, ct))
            {
                if (type == WatchEventType.Deleted || pod.Status?.Phase == "Running" || pod.Metadata.DeletionTimestamp is not null) continue;
                await MarkRunningAsync(client, pod, ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private static async Task MarkRunningAsync(IKubernetes client, V1Pod pod, CancellationToken ct)
    {
        var containers = pod.Spec.Containers.Select(c => new V1ContainerStatus
        {
            Name = c.Name,
            Image = c.Image,
            ImageID = "",
            Ready = true,
            Started = true,
            RestartCount = 0,
            State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = DateTime.UtcNow } },
        }).ToList();
        var status = new V1Pod
        {
            Status = new V1PodStatus
            {
                Phase = "Running",
                PodIP = "127.0.0.1",
                Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }],
                ContainerStatuses = containers,
            },
        };
        var patch = new V1Patch(KubernetesJson.Serialize(status), V1Patch.PatchType.MergePatch);
        try
        {
            await client.CoreV1.PatchNamespacedPodStatusAsync(patch, pod.Metadata.Name, pod.Metadata.NamespaceProperty, cancellationToken: ct);
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            // Deleted before it "started": nothing to report.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await watching;
        stop.Dispose();
    }
}
