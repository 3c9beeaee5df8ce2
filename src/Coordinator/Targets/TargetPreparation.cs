using Federation.Adapters;
using Federation.Common;
using Federation.Coordinator.Auth;
using Federation.Coordinator.Engines;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Requests;
using Federation.Coordinator.Saga;
using Federation.V1;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Targets;

/// <summary>
/// The destination's passive target: created (journaled first) through the adapter, waited for, its
/// own Engine checked against the source runtime before a byte moves, and a one-time transfer token
/// handed out for each checkpoint the source sends. Only the source cluster itself may prepare its target, and open
/// transfers into it.
/// </summary>
public sealed partial class TargetPreparation(
    IOrchestratorAdapter adapter,
    RuntimeEngines engines,
    TargetRemoval removal,
    TargetHeartbeats heartbeats,
    MigrationJournal journal,
    MigrationHooks hooks,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<TargetPreparation> logger)
{
    private readonly SemaphoreSlim gate = new(1, 1);

    private CoordinatorOptions Options => options.Value;

    public async Task<PrepareTargetResponse> PrepareAsync(PrepareTargetRequest request, PeerCaller caller, CancellationToken ct)
    {
        var workload = RequestChecks.WorkloadWithSpec(request.Workload, request.Spec);
        RequestChecks.MigrationId(request.MigrationId);
        RequestChecks.Cluster(request.SourceCluster, "source cluster");
        Names.CheckCheckpointName(request.FirstCheckpoint);
        caller.MustBe(request.SourceCluster, $"prepare a target for cluster '{request.SourceCluster}'");
        await gate.WaitAsync(ct);
        try
        {
            var existing = journal.GetTarget(request.MigrationId);
            if (existing is not null) TargetParty.Require(existing, caller, "prepare the target of");
            if (existing is { State: TargetState.Aborted or TargetState.Committed })
                throw FederationException.FailedPrecondition($"migration {request.MigrationId} is already {existing.State.ToString().ToLowerInvariant()} here");
            if (existing is null)
            {
                if (await adapter.GetWorkloadAsync(workload, ct) is not null)
                    throw FederationException.FailedPrecondition($"workload {workload} already exists in cluster '{Options.Cluster}'");
                if ((await adapter.OfferPlacementAsync(request.Spec, ct)).WorkloadSlotsFree <= 0)
                    throw new FederationException(FederationError.ResourceExhausted, $"cluster '{Options.Cluster}' has no free workload slot");
            }
            journal.PutTarget(new TargetRecord(request.MigrationId, workload, request.SourceCluster, TargetState.Prepared, request.Spec, clock.GetUtcNow()));
        }
        finally
        {
            gate.Release();
        }

        // The stable address stays in the workload's home; the target only remembers where, unless it is here.
        var home = string.IsNullOrEmpty(request.HomeCluster) || request.HomeCluster == Options.Cluster
            ? null : new StableHome(request.HomeCluster, request.StableAddress);
        var steps = new StepTimes();
        var target = await adapter.CreatePassiveTargetAsync(workload, request.Spec, request.MigrationId, home, steps, ct);
        await steps.MeasureAsync("app waiting", () => engines.WaitForAppAsync(target, Options.Migration.TargetReadyTimeout, ct));
        var runtime = await steps.MeasureAsync("describe", () => engines.DescribeAsync(target.EngineEndpoint, ct));
        await RefuseIncompatibleAsync(request, target, runtime, ct);
        await hooks.ReachedAsync(MigrationHooks.TargetPrepared, request.MigrationId, ct);
        var token = await steps.MeasureAsync("transfer token", async () => await engines.For(target.EngineEndpoint).OpenTransferAsync(
            new OpenTransferRequest { App = workload.Name, Checkpoint = request.FirstCheckpoint }, cancellationToken: ct));
        LogPrepared(logger, request.MigrationId, workload.ToString(), request.SourceCluster, target.Node,
            string.Join(", ", steps.Steps.Select(s => $"{s.Step} {s.Duration.TotalMilliseconds:F0} ms")));
        return new PrepareTargetResponse
        {
            Timings = { steps.Steps.Select(s => new StepTiming { Step = s.Step, Duration = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(s.Duration) }) },
            PeerEngineEndpoint = target.PeerEngineEndpoint.ToString().TrimEnd('/'),
            Token = token.Token,
            Target = target.Id.ToString(),
            TargetRuntime = runtime,
            PreDumpPossible = request.SourceRuntime is { DirtyTracking: true } && runtime.DirtyTracking,
            LazyPagesPossible = runtime.LazyPages,
            Node = target.Node,
        };
    }

    public async Task<PeerOpenTransferResponse> OpenTransferAsync(PeerOpenTransferRequest request, PeerCaller caller, CancellationToken ct)
    {
        RequestChecks.MigrationId(request.MigrationId);
        Names.CheckCheckpointName(request.Checkpoint);
        var target = journal.GetTarget(request.MigrationId) ?? throw FederationException.NotFound($"migration {request.MigrationId} has no target here");
        TargetParty.Require(target, caller, "open a transfer for");
        if (target.State != TargetState.Prepared)
            throw FederationException.FailedPrecondition($"the target of migration {request.MigrationId} is {target.State.ToString().ToLowerInvariant()}");
        var info = await adapter.GetWorkloadAsync(target.Workload, ct)
            ?? throw FederationException.FailedPrecondition($"the target of migration {request.MigrationId} is gone");
        var token = await engines.For(info.EngineEndpoint).OpenTransferAsync(
            new OpenTransferRequest { App = target.Workload.Name, Checkpoint = request.Checkpoint }, cancellationToken: ct);
        heartbeats.Touch(target);
        return new PeerOpenTransferResponse { Token = token.Token };
    }

    /// <summary>The placement offer was a forecast; the target's own Engine is the fact. A target that cannot restore the source is removed before anything moves.</summary>
    private async Task RefuseIncompatibleAsync(PrepareTargetRequest request, WorkloadInfo target, DescribeResponse runtime, CancellationToken ct)
    {
        if (request.SourceRuntime is null) return;
        var refusals = CompatibilityCheck.RuntimeRefusals(request.SourceRuntime, runtime);
        if (refusals.Count == 0) return;
        var reason = $"the target runtime on node '{target.Node}' of cluster '{Options.Cluster}' cannot restore {target.Id}: {string.Join("; ", refusals)}";
        if (journal.GetTarget(request.MigrationId) is { } record) await removal.RemoveAsync(record, reason, ct);
        throw FederationException.FailedPrecondition(reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "migration {Migration}: target {Workload} prepared for cluster {Source} on node {Node} ({Steps})")]
    private static partial void LogPrepared(ILogger logger, string migration, string workload, string source, string node, string steps);
}
