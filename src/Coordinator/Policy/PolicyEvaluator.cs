using Federation.Coordinator.Metrics;
using Federation.Coordinator.Options;
using Federation.Coordinator.Peers;
using Federation.Coordinator.Saga;
using Federation.Coordinator.Signals;
using Federation.V1;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Policy;

/// <summary>
/// Each <see cref="PolicyOptions.EvaluationInterval"/>: samples the signals, asks <see cref="DecisionEngine"/>, and for every new
/// decision logs it, counts it in the metrics and records it as a policy event with its reason. Unless the policy is a dry run,
/// a move out of this cluster starts the same migration a manual move does (<see cref="MigrationStarter"/>, marked as started by
/// the policy with its reason); a return home is decided here and carried out by the coordinator of the cluster the workload runs
/// in, asked through <c>CoordinatorPeer.ReturnHome</c>: its answer (the migration it started, or its one-line refusal) goes into
/// the event. A decision repeated by the next evaluation of the same policy is not
/// recorded (nor carried out) again; one that was refused is tried again after <see cref="PolicyOptions.RetryRefusedAfter"/>.
/// Tests call <see cref="EvaluateOnceAsync"/> themselves.
/// </summary>
public sealed partial class PolicyEvaluator(
    PolicyStore store,
    SignalSampler sampler,
    PolicyEvents events,
    CoordinatorMetrics metrics,
    MigrationStarter starter,
    PeerClients peers,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<PolicyEvaluator> logger) : BackgroundService
{
    private readonly SemaphoreSlim round = new(1, 1);
    private HashSet<string> previous = [];
    // Decisions refused (start refused, peer refused or unreachable) and when: tried again after Policy:RetryRefusedAfter.
    private Dictionary<string, DateTimeOffset> refused = [];
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
            if (!ReferenceEquals(current, evaluated)) (previous, refused) = ([], []);
            evaluated = current;
            var snapshot = await sampler.SampleAsync(ct);
            var decisions = DecisionEngine.Decide(policy, snapshot);
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var stillRefused = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            foreach (var decision in decisions)
            {
                var key = decision.Kind == DecisionKind.Hold ? "hold" : $"{decision.KindName} {decision.Workload} {decision.Destination}";
                if (refused.TryGetValue(key, out var refusedAt) && snapshot.Now - refusedAt < options.Value.Policy.RetryRefusedAfter)
                {
                    stillRefused[key] = refusedAt;
                    continue;
                }
                if (previous.Contains(key))
                {
                    keys.Add(key);
                    continue;
                }
                if (await ActAsync(decision, policy.DryRun, snapshot.Now, ct)) keys.Add(key);
                else stillRefused[key] = snapshot.Now;
            }
            previous = keys;
            refused = stillRefused;
            return decisions;
        }
        finally
        {
            round.Release();
        }
    }

    /// <returns>False when the decision was to be carried out and was refused (it is tried again later).</returns>
    private async Task<bool> ActAsync(PolicyDecision decision, bool dryRun, DateTimeOffset now, CancellationToken ct)
    {
        metrics.Decided(decision);
        var cluster = options.Value.Cluster;
        var carriedOut = !dryRun && decision.Kind is DecisionKind.Offload or DecisionKind.Balance && decision.Source == cluster;
        var wanted = carriedOut || (!dryRun && decision.Kind == DecisionKind.Return);
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
            (carriedOut, reason) = await AskToSendHomeAsync(decision, ct);
        }
        LogDecision(logger, decision.KindName, decision.Workload, decision.Source, decision.Destination, reason, !carriedOut);
        events.Add(new PolicyEvent(now, decision.KindName, decision.Workload, decision.Source, decision.Destination, reason, !carriedOut));
        return carriedOut || !wanted;
    }

    /// <summary>
    /// Asks the coordinator of the cluster the workload runs in to move it here; a refusal or an unreachable peer is one line. That
    /// coordinator negotiates with this one before it answers, so the call may take up to two peer-call timeouts.
    /// </summary>
    private async Task<(bool Started, string Reason)> AskToSendHomeAsync(PolicyDecision decision, CancellationToken ct)
    {
        var source = decision.Source;
        try
        {
            var workload = Adapters.WorkloadId.TryParse(decision.Workload)
                ?? throw FederationException.InvalidArgument($"workload '{decision.Workload}' is not NAMESPACE/NAME");
            var answer = await peers.For(source).ReturnHomeAsync(new ReturnHomeRequest
            {
                HomeCluster = options.Value.Cluster,
                Workload = new V1.WorkloadRef { Namespace = workload.Namespace, Name = workload.Name },
                Reason = decision.Reason,
            }, deadline: DateTime.UtcNow.Add(2 * options.Value.Migration.PeerCallTimeout), cancellationToken: ct);
            return (true, $"{decision.Reason}; '{source}' started migration {answer.MigrationId}");
        }
        catch (Grpc.Core.RpcException e) when (!ct.IsCancellationRequested)
        {
            var why = Common.ErrorMappingInterceptor.OneLine(e.Status.Detail);
            return (false, e.StatusCode is Grpc.Core.StatusCode.Unavailable or Grpc.Core.StatusCode.DeadlineExceeded
                ? $"{decision.Reason}; not carried out: '{source}' is unreachable: {why}"
                : $"{decision.Reason}; '{source}' refused to send it home: {why}");
        }
        catch (FederationException e)
        {
            return (false, $"{decision.Reason}; not carried out: {e.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "policy decision {Kind} {Workload} {Source} -> {Destination} (only logged: {DryRun}): {Reason}")]
    private static partial void LogDecision(ILogger logger, string kind, string workload, string source, string destination, string reason, bool dryRun);

    [LoggerMessage(Level = LogLevel.Warning, Message = "policy evaluation failed: {Reason}")]
    private static partial void LogEvaluationFailed(ILogger logger, string reason);
}
