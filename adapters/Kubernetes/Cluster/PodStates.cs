using k8s.Models;

namespace Federation.Adapters.Kubernetes.Cluster;

/// <summary>What a pod's status says, in the words the adapter needs.</summary>
public static class PodStates
{
    public static bool IsReady(V1Pod pod) =>
        pod.Metadata?.DeletionTimestamp is null
        && pod.Status?.Phase == "Running"
        && pod.Status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    public static bool IsRunning(V1Pod pod) => pod.Metadata?.DeletionTimestamp is null && pod.Status?.Phase == "Running";

    /// <summary>One line: phase, the first container that waits or ended and why.</summary>
    public static string Describe(V1Pod pod)
    {
        var phase = pod.Status?.Phase ?? "Pending";
        var container = pod.Status?.ContainerStatuses?.FirstOrDefault(c => c.State?.Waiting is not null || c.State?.Terminated is not null);
        var why = container?.State?.Waiting is { } waiting ? $"{container.Name} waiting: {waiting.Reason} {waiting.Message}".TrimEnd()
            : container?.State?.Terminated is { } ended ? $"{container.Name} ended with {ended.ExitCode}: {ended.Reason} {ended.Message}".TrimEnd()
            : "";
        return why.Length > 0 ? $"{phase}, {why}" : phase;
    }
}
