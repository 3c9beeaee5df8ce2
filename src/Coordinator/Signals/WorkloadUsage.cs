using System.Collections.Concurrent;
using Federation.Adapters;
using Federation.Coordinator.Engines;
using Federation.Coordinator.Options;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Signals;

/// <summary>
/// Per-workload CPU and memory from the runtimes: each sample asks every running workload's Engine for its app's use
/// (<c>Engine.GetAppUsage</c>, the nested app's cgroup through the inner dockerd; all at once, each bounded by
/// <see cref="CallTimeout"/>) and feeds one <see cref="UsageSmoother"/> per workload (<see cref="PolicyOptions.UsageSmoothing"/>).
/// An Engine that does not answer leaves the workload unmeasured this time (its share is then estimated); workloads no
/// longer running here are forgotten.
/// </summary>
public sealed partial class WorkloadUsage(RuntimeEngines engines, IOptions<CoordinatorOptions> options, ILogger<WorkloadUsage> logger)
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<WorkloadId, UsageSmoother> smoothers = new();
    private readonly ConcurrentDictionary<WorkloadId, string> failing = new();

    public async Task SampleAsync(IReadOnlyList<WorkloadInfo> running, DateTimeOffset now, CancellationToken ct)
    {
        var here = running.Select(w => w.Id).ToHashSet();
        foreach (var gone in smoothers.Keys.Where(id => !here.Contains(id)).ToList()) smoothers.TryRemove(gone, out _);
        foreach (var gone in failing.Keys.Where(id => !here.Contains(id)).ToList()) failing.TryRemove(gone, out _);
        await Task.WhenAll(running.Where(w => w.EngineEndpoint is not null).Select(w => ReadAsync(w, now, ct)));
    }

    /// <summary>The workload's smoothed use; null when it was never measured.</summary>
    public UsageSmoother? Of(WorkloadId workload) => smoothers.GetValueOrDefault(workload);

    private async Task ReadAsync(WorkloadInfo workload, DateTimeOffset now, CancellationToken ct)
    {
        try
        {
            var usage = await engines.For(workload.EngineEndpoint!).GetAppUsageAsync(new GetAppUsageRequest { Name = workload.Id.Name },
                deadline: DateTime.UtcNow.Add(CallTimeout), cancellationToken: ct);
            var at = usage.SampledAt?.ToDateTimeOffset() ?? now;
            var smoother = smoothers.GetOrAdd(workload.Id, _ => new UsageSmoother(options.Value.Policy.UsageSmoothing));
            lock (smoother) smoother.Add(at, usage.CpuSeconds, usage.MemoryBytes);
            failing.TryRemove(workload.Id, out _);
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            // Logged once per workload until it answers again: an old Engine without the call, or a runtime that is gone.
            var why = Common.ErrorMappingInterceptor.OneLine(e.Status.Detail);
            if (failing.TryAdd(workload.Id, why)) LogUnmeasured(logger, workload.Id.ToString(), e.StatusCode.ToString(), why);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "the use of {Workload} is not measured ({Code}: {Reason}); its share is estimated")]
    private static partial void LogUnmeasured(ILogger logger, string workload, string code, string reason);
}
