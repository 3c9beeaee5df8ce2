using System.Diagnostics;
using Federation.Adapters;
using Federation.Common;
using Federation.Coordinator.Engines;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Targets;

/// <summary>
/// The destination side of migrations: negotiation, the passive target, transfer tokens, the restore
/// (commit) and the removal of targets whose migration was aborted or whose source went silent.
/// Each target is journaled before the adapter creates or removes anything.
/// </summary>
public sealed partial class TargetManager(
    IOrchestratorAdapter adapter,
    EngineClients engines,
    MigrationJournal journal,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<TargetManager> logger)
{
    private readonly SemaphoreSlim gate = new(1, 1);

    private CoordinatorOptions Options => options.Value;

    public async Task<NegotiateResponse> NegotiateAsync(NegotiateRequest request, CancellationToken ct)
    {
        var workload = CheckWorkload(request.Workload, request.Spec);
        if (request.SourceRuntime is null) throw FederationException.InvalidArgument("the source runtime's description is missing");
        var capabilities = await adapter.DescribeAsync(ct);
        var refusals = CompatibilityCheck.Refusals(request.SourceRuntime, capabilities, request.Spec, requiredMemory: 0).ToList();
        if (await adapter.GetWorkloadAsync(workload, ct) is { } existing && existing.MigrationId != request.MigrationId)
            refusals.Add($"workload {workload} already exists here");
        if (refusals.Count > 0)
            throw FederationException.FailedPrecondition($"cluster '{Options.Cluster}' cannot take {workload}: {string.Join("; ", refusals)}");
        var preDump = request.SourceRuntime.DirtyTracking && capabilities.DirtyTracking;
        return new NegotiateResponse
        {
            Destination = ToMessage(capabilities),
            PreDumpPossible = preDump,
            Summary = $"{capabilities.Architecture}, kernel {capabilities.Kernel}, CRIU {capabilities.CriuVersion}, runc {capabilities.RuncVersion}, " +
                      $"Docker {capabilities.DockerVersion}, dirty tracking {(preDump ? "on" : "off")}, {capabilities.WorkloadSlotsFree} slot(s) free",
        };
    }

    public async Task<PrepareTargetResponse> PrepareAsync(PrepareTargetRequest request, CancellationToken ct)
    {
        var workload = CheckWorkload(request.Workload, request.Spec);
        CheckMigrationId(request.MigrationId);
        Names.CheckCheckpointName(request.FirstCheckpoint);
        await gate.WaitAsync(ct);
        try
        {
            var existing = journal.GetTarget(request.MigrationId);
            if (existing is { State: TargetState.Aborted or TargetState.Committed })
                throw FederationException.FailedPrecondition($"migration {request.MigrationId} is already {existing.State.ToString().ToLowerInvariant()} here");
            if (existing is null)
            {
                if (await adapter.GetWorkloadAsync(workload, ct) is not null)
                    throw FederationException.FailedPrecondition($"workload {workload} already exists in cluster '{Options.Cluster}'");
                if ((await adapter.DescribeAsync(ct)).WorkloadSlotsFree <= 0)
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
        await adapter.CreatePassiveTargetAsync(workload, request.Spec, request.MigrationId, home, ct);
        var ready = await adapter.WaitReadyAsync(workload, Options.Migration.TargetReadyTimeout, ct);
        var token = await engines.For(ready.EngineEndpoint).OpenTransferAsync(
            new OpenTransferRequest { App = workload.Name, Checkpoint = request.FirstCheckpoint }, cancellationToken: ct);
        LogPrepared(logger, request.MigrationId, workload.ToString(), request.SourceCluster);
        return new PrepareTargetResponse { PeerEngineEndpoint = ready.PeerEngineEndpoint.ToString().TrimEnd('/'), Token = token.Token, Target = ready.Id.ToString() };
    }

    public async Task<PeerOpenTransferResponse> OpenTransferAsync(PeerOpenTransferRequest request, CancellationToken ct)
    {
        var (target, info) = await LiveTargetAsync(request.MigrationId, ct);
        Names.CheckCheckpointName(request.Checkpoint);
        var token = await engines.For(info.EngineEndpoint).OpenTransferAsync(
            new OpenTransferRequest { App = target.Workload.Name, Checkpoint = request.Checkpoint }, cancellationToken: ct);
        Touch(target);
        return new PeerOpenTransferResponse { Token = token.Token };
    }

    public async Task<CommitResponse> CommitAsync(CommitRequest request, CancellationToken ct)
    {
        CheckMigrationId(request.MigrationId);
        Names.CheckCheckpointName(request.Checkpoint);
        var target = journal.GetTarget(request.MigrationId) ?? throw FederationException.NotFound($"migration {request.MigrationId} has no target here");
        if (target.State == TargetState.Aborted) throw FederationException.FailedPrecondition($"migration {request.MigrationId} was aborted here");
        var info = await adapter.GetWorkloadAsync(target.Workload, ct)
            ?? throw FederationException.FailedPrecondition($"the target of migration {request.MigrationId} is gone");
        var engine = engines.For(info.EngineEndpoint);
        var response = new CommitResponse();
        var app = await engine.GetAppAsync(new GetAppRequest { Name = target.Workload.Name }, cancellationToken: ct);
        if (app.State != AppState.Running || app.RestoredFrom != request.Checkpoint)
        {
            var watch = Stopwatch.StartNew();
            var restored = await engine.RestoreAsync(new RestoreRequest { App = target.Workload.Name, Checkpoint = request.Checkpoint }, cancellationToken: ct);
            response.Timings.AddRange(restored.Timings);
            response.RestoreDuration = Duration.FromTimeSpan(watch.Elapsed);
        }
        journal.PutTarget(target with { State = TargetState.Committed, LastHeartbeat = clock.GetUtcNow() });
        await adapter.PromoteTargetAsync(target.Workload, ct);
        foreach (var (port, endpoint) in info.AppEndpoints) response.AppEndpoints[(uint)port] = endpoint;
        LogCommitted(logger, request.MigrationId, target.Workload.ToString());
        return response;
    }

    public async Task<AbortResponse> AbortAsync(AbortRequest request, CancellationToken ct)
    {
        CheckMigrationId(request.MigrationId);
        var target = journal.GetTarget(request.MigrationId);
        if (target is null) return new AbortResponse { Removed = false };
        if (target.State == TargetState.Committed)
            throw FederationException.FailedPrecondition($"migration {request.MigrationId} has committed here: its workload is not a target any more");
        await RemoveAsync(target, request.Reason, ct);
        return new AbortResponse { Removed = true };
    }

    public HeartbeatResponse Heartbeat(HeartbeatRequest request)
    {
        if (string.IsNullOrEmpty(request.MigrationId)) return new HeartbeatResponse { State = TargetState.Unknown };
        var target = journal.GetTarget(request.MigrationId);
        if (target is null) return new HeartbeatResponse { State = TargetState.Unknown };
        if (target.State == TargetState.Prepared) Touch(target);
        return new HeartbeatResponse { State = target.State };
    }

    /// <summary>Removes prepared targets whose source has been silent for longer than the heartbeat timeout.</summary>
    public async Task ReapAsync(DateTimeOffset silentSince, CancellationToken ct)
    {
        foreach (var target in journal.ListTargets().Where(t => t.State == TargetState.Prepared && t.LastHeartbeat < silentSince))
        {
            LogReaping(logger, target.MigrationId, target.Workload.ToString(), target.SourceCluster);
            await RemoveAsync(target, "no heartbeat from the source", ct);
        }
    }

    private async Task RemoveAsync(TargetRecord target, string reason, CancellationToken ct)
    {
        journal.PutTarget(target with { State = TargetState.Aborted });
        var info = await adapter.GetWorkloadAsync(target.Workload, ct);
        if (info is not null && info.Role == Adapters.WorkloadRole.Target && (info.MigrationId is null || info.MigrationId == target.MigrationId))
            await adapter.DeleteWorkloadAsync(target.Workload, ct);
        LogAborted(logger, target.MigrationId, target.Workload.ToString(), reason);
    }

    private async Task<(TargetRecord, WorkloadInfo)> LiveTargetAsync(string migrationId, CancellationToken ct)
    {
        CheckMigrationId(migrationId);
        var target = journal.GetTarget(migrationId) ?? throw FederationException.NotFound($"migration {migrationId} has no target here");
        if (target.State != TargetState.Prepared) throw FederationException.FailedPrecondition($"the target of migration {migrationId} is {target.State.ToString().ToLowerInvariant()}");
        var info = await adapter.GetWorkloadAsync(target.Workload, ct)
            ?? throw FederationException.FailedPrecondition($"the target of migration {migrationId} is gone");
        return (target, info);
    }

    private void Touch(TargetRecord target) => journal.PutTarget(target with { LastHeartbeat = clock.GetUtcNow() });

    private static WorkloadId CheckWorkload(V1.WorkloadRef? reference, AppSpec? spec)
    {
        if (reference is null) throw FederationException.InvalidArgument("workload is missing");
        Names.CheckAppName(reference.Namespace, "namespace");
        Names.CheckAppName(reference.Name, "workload name");
        if (spec is null) throw FederationException.InvalidArgument("app spec is missing");
        if (spec.Name != reference.Name) throw FederationException.InvalidArgument($"app name '{spec.Name}' is not the workload name '{reference.Name}'");
        Names.CheckImageReference(spec.Image);
        return new WorkloadId(reference.Namespace, reference.Name);
    }

    private static void CheckMigrationId(string id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
            throw FederationException.InvalidArgument("migration id is empty or malformed");
    }

    private ClusterCapabilities ToMessage(NodeCapabilities c)
    {
        var message = new ClusterCapabilities
        {
            Cluster = Options.Cluster,
            Architecture = c.Architecture,
            Kernel = c.Kernel,
            DockerVersion = c.DockerVersion,
            ContainerdVersion = c.ContainerdVersion,
            RuncVersion = c.RuncVersion,
            CriuVersion = c.CriuVersion,
            DirtyTracking = c.DirtyTracking,
            MemoryFreeBytes = c.MemoryFreeBytes,
            WorkloadSlotsFree = (uint)Math.Max(0, c.WorkloadSlotsFree),
        };
        message.Images.AddRange(c.Images);
        return message;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "migration {Migration}: target {Workload} prepared for cluster {Source}")]
    private static partial void LogPrepared(ILogger logger, string migration, string workload, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "migration {Migration}: {Workload} restored and promoted")]
    private static partial void LogCommitted(ILogger logger, string migration, string workload);

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration}: target {Workload} removed ({Reason})")]
    private static partial void LogAborted(ILogger logger, string migration, string workload, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "migration {Migration}: no heartbeat from {Source}, removing target {Workload}")]
    private static partial void LogReaping(ILogger logger, string migration, string workload, string source);
}
