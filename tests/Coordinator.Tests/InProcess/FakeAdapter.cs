using System.Runtime.CompilerServices;
using Federation.Adapters;
using Federation.V1;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// An orchestrator in memory: workloads are records, nothing runs. Enough for input checks and negotiation.
/// It is its own traffic switch (recording the calls) and plugs into a coordinator the way a real adapter
/// does, through <see cref="Module"/> (kind "fake").
/// </summary>
public sealed class FakeAdapter : IOrchestratorAdapter, ITrafficSwitch
{
    public const string FakeKind = "fake";

    private readonly Dictionary<WorkloadId, WorkloadInfo> workloads = [];
    private readonly System.Threading.Channels.Channel<WorkloadEvent> changes = System.Threading.Channels.Channel.CreateUnbounded<WorkloadEvent>();

    public FakeAdapter()
    {
        Module = new AdapterModule(FakeKind, (services, _) => services.AddOrchestratorAdapter(FakeKind, _ => this, _ => this), new Dictionary<string, string>());
    }

    /// <summary>Registers this instance as the adapter and traffic switch of kind "fake".</summary>
    public AdapterModule Module { get; }

    public string Kind => FakeKind;

    /// <summary>What negotiation is offered: one node whose runtime is described as below.</summary>
    public PlacementOffer Offer { get; set; } = new("node-1",
        new DescribeResponse { Architecture = "amd64", Kernel = "6.18.0", DockerVersion = "26.1.5", ContainerdVersion = "1.7.24", RuncVersion = "1.1.15", CriuVersion = "4.2.1" },
        8UL << 30, 4, ["app:1"]);

    /// <summary>Stable addresses this cluster holds, by workload (wherever the workload runs).</summary>
    public Dictionary<WorkloadId, string> StableAddresses { get; } = [];

    /// <summary>Hold, switch and release calls, in order.</summary>
    public List<string> TrafficCalls { get; } = [];

    /// <param name="stableAddress">The workload's stable address; with <paramref name="home"/>, one held by that other cluster.</param>
    public void Add(WorkloadId id, Uri engine, string? stableAddress = null, string? home = null) =>
        workloads[id] = new WorkloadInfo(id, Adapters.WorkloadRole.Active, "app:1", true, engine, engine, new Dictionary<int, string>(), stableAddress, null, home, "node-1");

    /// <summary>Records the workload as given (any role, endpoints, home).</summary>
    public void Put(WorkloadInfo workload) => workloads[workload.Id] = workload;

    public Task<PlacementOffer> OfferPlacementAsync(AppSpec spec, CancellationToken ct) => Task.FromResult(Offer);

    /// <summary>What the cluster tells of its room (membership heartbeats, policy pressure); null: the seam's default (unknown).</summary>
    public CapacityReport? Capacity { get; set; }

    public Task<CapacityReport> GetCapacityAsync(CancellationToken ct) =>
        Task.FromResult(Capacity ?? CapacityReport.Unknown("the fake adapter was given no capacity"));
    public Task<IReadOnlyList<WorkloadInfo>> ListWorkloadsAsync(CancellationToken ct) => Task.FromResult<IReadOnlyList<WorkloadInfo>>(workloads.Values.ToList());
    public Task<WorkloadInfo?> GetWorkloadAsync(WorkloadId id, CancellationToken ct) => Task.FromResult(workloads.GetValueOrDefault(id));
    /// <summary>A passive target of <paramref name="migrationId"/>, as a destination's adapter holds one before the commit.</summary>
    public void AddTarget(WorkloadId id, string migrationId) =>
        workloads[id] = new WorkloadInfo(id, Adapters.WorkloadRole.Target, "app:1", true, new Uri("http://127.0.0.1:1"), new Uri("http://127.0.0.1:1"),
            new Dictionary<int, string>(), null, migrationId, null, "node-1");

    /// <summary>Records the workload as running here with a stable address of this cluster (nothing runs).</summary>
    public Task<WorkloadInfo> DeployAsync(WorkloadId id, AppSpec spec, CancellationToken ct)
    {
        var address = $"127.0.0.1:{40100 + workloads.Count}";
        StableAddresses[id] = address;
        Add(id, new Uri("http://127.0.0.1:1"), address);
        return Task.FromResult(workloads[id]);
    }

    public bool Has(WorkloadId id) => workloads.ContainsKey(id);
    public Task<WorkloadInfo> CreatePassiveTargetAsync(WorkloadId id, AppSpec spec, string migrationId, StableHome? home, CancellationToken ct) => throw new NotSupportedException();
    public Task PromoteTargetAsync(WorkloadId id, CancellationToken ct) => Task.CompletedTask;
    /// <summary>Whether this orchestrator replaces dead runtimes itself; when not, the coordinator calls <see cref="RecreateAsync"/>.</summary>
    public bool HealsWorkloads { get; set; } = true;

    /// <summary>Workloads the coordinator asked to recreate, in order.</summary>
    public List<WorkloadId> Recreated { get; } = [];

    public Task<WorkloadInfo> RecreateAsync(WorkloadId id, CancellationToken ct)
    {
        lock (Recreated) Recreated.Add(id);
        var recreated = workloads[id] with { Running = true };
        workloads[id] = recreated;
        return Task.FromResult(recreated);
    }
    public Task<string?> GetStableAddressAsync(WorkloadId id, CancellationToken ct) => Task.FromResult(StableAddresses.GetValueOrDefault(id));

    public Task HoldAsync(WorkloadId id, CancellationToken ct) => Record($"hold {id}");
    public Task SwitchAsync(WorkloadId id, IReadOnlyDictionary<int, string> backends, CancellationToken ct) =>
        Record($"switch {id} {string.Join(",", backends.OrderBy(b => b.Key).Select(b => $"{b.Key}={b.Value}"))}");
    public Task ReleaseAsync(WorkloadId id, CancellationToken ct) => Record($"release {id}");

    /// <summary>Closes the stable address whatever it leads to (the fake keeps no backends); records the call.</summary>
    public async Task<bool> CloseIfOnlyLeadingToAsync(WorkloadId id, IReadOnlySet<string> backends, CancellationToken ct)
    {
        await Record($"close {id} {string.Join(",", backends.Order(StringComparer.Ordinal))}");
        return StableAddresses.Remove(id);
    }

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

    /// <summary>Sends a change to the coordinator's watch (and records the workload as it now is).</summary>
    public void Emit(WorkloadEventType type, WorkloadInfo workload)
    {
        if (type == WorkloadEventType.Deleted) workloads.Remove(workload.Id);
        else workloads[workload.Id] = workload;
        changes.Writer.TryWrite(new WorkloadEvent(type, workload));
    }

    public async IAsyncEnumerable<WorkloadEvent> WatchAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var change in changes.Reader.ReadAllAsync(ct)) yield return change;
    }
}
