using k8s.Models;

namespace Federation.Tests.Kube;

/// <summary>A pod's status as the kubelet reports it: phase, IPs, conditions (with stable transition times) and container statuses.</summary>
public sealed class PodStatusBuilder(string hostIp)
{
    private readonly Dictionary<string, (string Status, DateTime Since)> conditions = new();
    private DateTime? startTime;

    public V1PodStatus Build(V1Pod pod, IReadOnlyList<ContainerSlot> init, IReadOnlyList<ContainerSlot> containers, string podIp, bool sandbox)
    {
        startTime ??= DateTime.UtcNow;
        var initialized = init.All(s => s.Completed);
        var ready = initialized && containers.All(s => s.Ready);
        var phase = PhaseOf(pod.Spec.RestartPolicy ?? "Always", init, containers, initialized);
        var status = new V1PodStatus
        {
            Phase = phase,
            HostIP = hostIp,
            HostIPs = [new V1HostIP { Ip = hostIp }],
            PodIP = string.IsNullOrEmpty(podIp) ? null : podIp,
            PodIPs = string.IsNullOrEmpty(podIp) ? null : [new V1PodIP { Ip = podIp }],
            StartTime = startTime,
            QosClass = "BestEffort",
            Conditions =
            [
                Condition("PodScheduled", true),
                Condition("PodReadyToStartContainers", sandbox && !string.IsNullOrEmpty(podIp)),
                Condition("Initialized", initialized),
                Condition("ContainersReady", ready),
                Condition("Ready", ready),
            ],
            InitContainerStatuses = init.Count == 0 ? null : init.Select(s => s.Status()).ToList(),
            ContainerStatuses = containers.Select(s => s.Status()).ToList(),
        };
        if (containers.FirstOrDefault(c => c.Waiting is { Reason: not "ContainerCreating" }) is { } stuck && phase == "Pending")
            status.Message = $"container {stuck.Spec.Name}: {stuck.Waiting!.Value.Reason}";
        return status;
    }

    private static string PhaseOf(string policy, IReadOnlyList<ContainerSlot> init, IReadOnlyList<ContainerSlot> containers, bool initialized)
    {
        if (!initialized)
            return policy == "Never" && init.Any(s => s.Terminated is { ExitCode: not 0 }) ? "Failed" : "Pending";
        if (containers.Any(c => c.Id is null && c.Terminated is null)) return "Pending";
        if (containers.Any(c => c.Running)) return "Running";
        // Every container has exited.
        var willRestart = containers.Any(c => c.RestartAt is { } at && at != DateTimeOffset.MaxValue);
        if (policy == "Always" || willRestart) return "Running";
        return containers.All(c => c.Terminated is { ExitCode: 0 }) ? "Succeeded" : "Failed";
    }

    private V1PodCondition Condition(string type, bool value)
    {
        var text = value ? "True" : "False";
        if (!conditions.TryGetValue(type, out var known) || known.Status != text) conditions[type] = known = (text, DateTime.UtcNow);
        return new V1PodCondition { Type = type, Status = text, LastTransitionTime = known.Since };
    }
}
