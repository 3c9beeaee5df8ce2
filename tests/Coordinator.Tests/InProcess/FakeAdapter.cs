using System.Runtime.CompilerServices;
using Federation.Adapters;
using Federation.V1;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>An orchestrator in memory: workloads are records, nothing runs. Enough for input checks and negotiation.</summary>
public sealed class FakeAdapter : IOrchestratorAdapter
{
    private readonly Dictionary<WorkloadId, WorkloadInfo> workloads = [];

    public string Kind => "fake";

    public NodeCapabilities Capabilities { get; set; } = new("amd64", "6.18.0", "26.1.5", "1.7.24", "1.1.15", "4.2.1", false, 8UL << 30, 4, ["app:1"]);

    /// <summary>Stable addresses this cluster holds, by workload (wherever the workload runs).</summary>
    public Dictionary<WorkloadId, string> StableAddresses { get; } = [];

    /// <summary>Hold, switch and release calls, in order.</summary>
    public List<string> TrafficCalls { get; } = [];

    /// <param name="stableAddress">The workload's stable address; with <paramref name="home"/>, one held by that other cluster.</param>
    public void Add(WorkloadId id, Uri engine, string? stableAddress = null, string? home = null) =>
        workloads[id] = new WorkloadInfo(id, Adapters.WorkloadRole.Active, "app:1", true, engine, engine, new Dictionary<int, string>(), stableAddress, null, home);

    public Task<NodeCapabilities> DescribeAsync(CancellationToken ct) => Task.FromResult(Capabilities);
    public Task<IReadOnlyList<WorkloadInfo>> ListWorkloadsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<WorkloadInfo>>(workloads.Values.ToList());
    public Task<WorkloadInfo?> GetWorkloadAsync(WorkloadId id, CancellationToken ct) => Task.FromResult(workloads.GetValueOrDefault(id));
    public Task<WorkloadInfo> DeployAsync(WorkloadId id, AppSpec spec, CancellationToken ct) => throw new NotSupportedException();
    public Task<WorkloadInfo> CreatePassiveTargetAsync(WorkloadId id, AppSpec spec, string migrationId, StableHome? home, CancellationToken ct) => throw new NotSupportedException();
    public Task<WorkloadInfo> WaitReadyAsync(WorkloadId id, TimeSpan timeout, CancellationToken ct) => Task.FromResult(workloads[id]);
    public Task PromoteTargetAsync(WorkloadId id, CancellationToken ct) => Task.CompletedTask;
    public Task<string?> GetStableAddressAsync(WorkloadId id, CancellationToken ct) => Task.FromResult(StableAddresses.GetValueOrDefault(id));

    public Task HoldTrafficAsync(WorkloadId id, CancellationToken ct) => Record($"hold {id}");
    public Task SwitchTrafficAsync(WorkloadId id, IReadOnlyDictionary<int, string> backends, CancellationToken ct) =>
        Record($"switch {id} {string.Join(",", backends.OrderBy(b => b.Key).Select(b => $"{b.Key}={b.Value}"))}");
    public Task ReleaseTrafficAsync(WorkloadId id, CancellationToken ct) => Record($"release {id}");

    private Task Record(string call)
    {
        lock (TrafficCalls) TrafficCalls.Add(call);
        return Task.CompletedTask;
    }

    public Task DeleteWorkloadAsync(WorkloadId id, CancellationToken ct)
    {
        workloads.Remove(id);
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<WorkloadEvent> WatchAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await Task.Delay(Timeout.Infinite, ct);
        yield break;
    }
}
