namespace Federation.Adapters;

/// <summary>
/// How an orchestrator moves a workload's clients, a seam of its own because each does it differently:
/// a holding proxy on a Docker host, a Service selector or EndpointSlice change on Kubernetes, service
/// ports and load-balancer labels on Marathon. Where the orchestrator cannot make new connections wait
/// by itself, its implementation puts a holding relay in the path, so no client connection is refused
/// during a switch. The coordinator calls it only in the workload's home cluster (where the stable
/// address lives); every call is safe to repeat.
/// </summary>
public interface ITrafficSwitch
{
    /// <summary>The stable address this cluster holds for the workload, wherever the workload runs now; null if it holds none.</summary>
    Task<string?> GetStableAddressAsync(WorkloadId id, CancellationToken ct);

    /// <summary>New client connections wait (they are not refused) until <see cref="SwitchAsync"/> or <see cref="ReleaseAsync"/>; requests already forwarded may finish first, for a short bound.</summary>
    Task HoldAsync(WorkloadId id, CancellationToken ct);

    /// <summary>Points the stable address at new backends (container port -> "host:port") and lets held connections through.</summary>
    Task SwitchAsync(WorkloadId id, IReadOnlyDictionary<int, string> backends, CancellationToken ct);

    /// <summary>Ends a hold without switching: held connections go to the backends they had (a rollback).</summary>
    Task ReleaseAsync(WorkloadId id, CancellationToken ct);

    /// <summary>
    /// Closes the workload's stable address when every backend it leads to is one of <paramref name="backends"/>
    /// ("host:port", the app endpoints of a runtime being deleted): nothing is left to forward to. One that leads
    /// elsewhere stays. True when it was closed; false when it stays or there was none.
    /// </summary>
    Task<bool> CloseIfOnlyLeadingToAsync(WorkloadId id, IReadOnlySet<string> backends, CancellationToken ct);
}
