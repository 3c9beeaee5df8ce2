using Federation.Coordinator.Metrics;
using Federation.Coordinator.Options;
using Federation.Coordinator.Saga;
using Federation.Coordinator.Signals;
using Federation.V1;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Policy;

/// <summary>
/// Each <see cref="PolicyOptions.EvaluationInterval"/>: samples the signals, asks <see cref="DecisionEngine"/>, and for every new
/// decision logs it, counts it in the metrics and records it as a policy event with its reason. Unless the policy is a dry run,
/// a move out of this cluster starts the same migration a manual move does (<see cref="MigrationStarter"/>, marked as started by
/// the policy with its reason); a return home is decided here but carried out by the coordinator of the cluster the workload runs
/// in, which this version does not ask yet (the event says so). A decision repeated by the next evaluation of the same policy is not
/// recorded (nor carried out) again.
/// Tests call <see cref="EvaluateOnceAsync"/> themselves.
/// </summary>
public sealed partial class PolicyEvaluator(
    PolicyStore store,
    SignalSampler sampler,
    PolicyEvents events,
    CoordinatorMetrics metrics,
    MigrationStarter starter,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<PolicyEvaluator> logger) : BackgroundService
{
    private readonly SemaphoreSlim round = new(1, 1);
    private HashSet<string> previous = [];
    private PolicyInForce? evaluated;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Policy.EvaluationInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await EvaluateOnceAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogEvaluationFailed(logger, Common.ErrorMappingInterceptor.OneLine(e.Message));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    /// <summary>One sample and one round of decisions; returns the decisions (repeated ones included).</summary>
    public async Task<IReadOnlyList<PolicyDecision>> EvaluateOnceAsync(CancellationToken ct)
    {
        await round.WaitAsync(ct);
        try
        {
            var current = store.Current;
            var policy = current.Policy;
            // A new policy decides afresh: what the previous one decided is not held against it.
            if (!ReferenceEquals(current, evaluated)) previous = [];
            evaluated = current;
            var snapshot = await sampler.SampleAsync(ct);
            var decisions = DecisionEngine.Decide(policy, snapshot);
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var decision in decisions)
            {
                var key = decision.Kind == DecisionKind.Hold ? "hold" : $"{decision.KindName} {decision.Workload} {decision.Destination}";
                keys.Add(key);
                if (previous.Contains(key)) continue;
                await ActAsync(decision, policy.DryRun, snapshot.Now, ct);
            }
            previous = keys;
            return decisions;
        }
        finally
        {
            round.Release();
        }
    }

    private async Task ActAsync(PolicyDecision decision, bool dryRun, DateTimeOffset now, CancellationToken ct)
    {
        metrics.Decided(decision);
        var cluster = options.Value.Cluster;
        var carriedOut = !dryRun && decision.Kind is DecisionKind.Offload or DecisionKind.Balance && decision.Source == cluster;
        var reason = decision.Reason;
        if (carriedOut)
        {
            try
            {
                var migration = await starter.MigrateAsync(new MigrateRequest { Workload = decision.Workload, Destination = decision.Destination }, ct,
                    $"policy {decision.KindName}: {decision.Reason}");
                reason = $"{reason}; migration {migration.Id} started";
            }
            catch (FederationException e)
            {
                carriedOut = false;
                reason = $"{reason}; the migration was refused: {e.Message}";
            }
        }
        else if (!dryRun && decision.Kind == DecisionKind.Return)
        {
            reason = $"{reason}; not carried out: the coordinator of '{decision.Source}' must move it and is not asked yet";
        }
        LogDecision(logger, decision.KindName, decision.Workload, decision.Source, decision.Destination, reason, !carriedOut);
        events.Add(new PolicyEvent(now, decision.KindName, decision.Workload, decision.Source, decision.Destination, reason, !carriedOut));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "policy decision {Kind} {Workload} {Source} -> {Destination} (only logged: {DryRun}): {Reason}")]
    private static partial void LogDecision(ILogger logger, string kind, string workload, string source, string destination, string reason, bool dryRun);

    [LoggerMessage(Level = LogLevel.Warning, Message = "policy evaluation failed: {Reason}")]
    private static partial void LogEvaluationFailed(ILogger logger, string reason);
}
