using Federation.Adapters.Kubernetes.Cluster;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Kubernetes.Pods;

/// <summary>
/// Gives the app image to runtime pods this coordinator did not create itself: pods the webhook rewrote (a user's bare pod,
/// Deployment or StatefulSet) and pods a ReplicaSet made from the runtime form after one died. Their Ambassador retries the
/// app's start until the image is in the runtime; this watch of active runtime pods places it (the cluster's registry, or
/// the Docker socket beside the coordinator) once the Engine is ready, and marks the pod <c>federation.io/image-placed</c>.
/// Runs only in a coordinator of its kind.
/// </summary>
public sealed partial class AdmittedPodImages(string kind, IServiceProvider services, ILogger<AdmittedPodImages> logger) : BackgroundService
{
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(2);
    private readonly Dictionary<string, Task> placing = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (services.GetRequiredService<ClusterContext>().AdapterKind != kind) return;
        var composition = services.GetRequiredKeyedService<KubernetesAdapterRegistration.KubernetesComposition>(kind);
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                var watch = composition.Api.PodWatch(null, $"{FederationLabels.Runtime}=true,{FederationLabels.Role}={FederationLabels.ActiveRole}");
                await foreach (var (type, pod) in watch.RunAsync(initial: true, stoppingToken))
                {
                    if (type != WatchEventType.Deleted && NeedsImage(pod)) Start(composition.Adapter, pod, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is FederationException or HttpRequestException or IOException)
            {
                LogWatchFailed(logger, kind, e.Message);
                await Task.Delay(Common.Retry.Backoff.Delay(attempt, Backoff, TimeSpan.FromSeconds(30)), stoppingToken);
            }
        }
    }

    /// <summary>An active runtime pod whose Engine is ready and whose image nobody placed yet.</summary>
    public static bool NeedsImage(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null
        && RuntimePodView.Annotation(pod, FederationLabels.ImagePlaced) is null
        && pod.Metadata.Labels?.ContainsKey(FederationLabels.Workload) == true
        && !string.IsNullOrEmpty(pod.Status?.PodIP)
        && pod.Status.ContainerStatuses?.Any(c => c.Name == RuntimePodBuilder.EngineContainer && c.Ready) == true;

    private void Start(KubernetesAdapter adapter, V1Pod pod, CancellationToken ct)
    {
        var uid = pod.Metadata.Uid;
        lock (placing)
        {
            if (placing.TryGetValue(uid, out var running) && !running.IsCompleted) return;
            // Only placements under way are kept: pods come and go for the coordinator's whole life.
            foreach (var done in placing.Where(p => p.Value.IsCompleted).Select(p => p.Key).ToList()) placing.Remove(done);
            placing[uid] = Task.Run(async () =>
            {
                try
                {
                    await adapter.PlaceImageOfAsync(pod, ct);
                    LogPlaced(logger, pod.Metadata.NamespaceProperty, pod.Metadata.Name);
                }
                catch (Exception e) when (e is FederationException or HttpRequestException or IOException)
                {
                    // The next event of the pod (or the next relist) tries again.
                    LogPlaceFailed(logger, pod.Metadata.NamespaceProperty, pod.Metadata.Name, e.Message);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                }
            }, CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "the {Kind} adapter's watch of admitted runtime pods failed: {Reason}; opening it again")]
    private static partial void LogWatchFailed(ILogger logger, string kind, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "runtime pod {Namespace}/{Pod}: app image placed")]
    private static partial void LogPlaced(ILogger logger, string? @namespace, string pod);

    [LoggerMessage(Level = LogLevel.Warning, Message = "runtime pod {Namespace}/{Pod}: app image not placed yet: {Reason}")]
    private static partial void LogPlaceFailed(ILogger logger, string? @namespace, string pod, string reason);
}
