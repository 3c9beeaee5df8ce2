namespace Federation.Adapters;

public enum WorkloadEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One change seen by <see cref="IOrchestratorAdapter.WatchAsync"/>.</summary>
public sealed record WorkloadEvent(WorkloadEventType Type, WorkloadInfo Workload);
