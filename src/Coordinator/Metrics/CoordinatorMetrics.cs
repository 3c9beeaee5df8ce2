using Federation.Coordinator.Policy;
using Federation.V1;
using Prometheus;

namespace Federation.Coordinator.Metrics;

/// <summary>
/// The coordinator's Prometheus metrics, in a registry of its own (several coordinators may share a process in tests), served
/// at <c>/metrics</c> on the metrics listener: migrations by outcome, downtime, bytes moved, pressure per resource, policy
/// decisions by kind, peers' membership.
/// </summary>
public sealed class CoordinatorMetrics
{
    private readonly Counter migrations;
    private readonly Histogram downtime;
    private readonly Counter bytesSent;
    private readonly Gauge pressure;
    private readonly Counter decisions;
    private readonly Gauge peerReachable;

    public CoordinatorMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        migrations = factory.CreateCounter("federation_migrations_total", "Migrations out of this cluster that ended, by outcome.",
            new CounterConfiguration { LabelNames = ["outcome"] });
        downtime = factory.CreateHistogram("federation_migration_downtime_seconds", "How long a completed migration's app was frozen.",
            new HistogramConfiguration { Buckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32] });
        bytesSent = factory.CreateCounter("federation_migration_bytes_sent_total", "Checkpoint bytes put on the wire by migrations out of this cluster.");
        pressure = factory.CreateGauge("federation_cluster_pressure", "This cluster's latest pressure (0..1) by resource.",
            new GaugeConfiguration { LabelNames = ["resource"] });
        decisions = factory.CreateCounter("federation_policy_decisions_total", "Policy decisions by kind (offload, return, balance, hold).",
            new CounterConfiguration { LabelNames = ["kind"] });
        peerReachable = factory.CreateGauge("federation_peer_reachable", "1 when membership holds the peer reachable, else 0.",
            new GaugeConfiguration { LabelNames = ["peer"] });
        foreach (var outcome in new[] { "completed", "rolled_back", "failed" }) migrations.WithLabels(outcome);
        foreach (var kind in Enum.GetValues<DecisionKind>()) decisions.WithLabels(kind.ToString().ToLowerInvariant());
    }

    public CollectorRegistry Registry { get; }

    /// <summary>A migration out of this cluster ended in <paramref name="migration"/>'s (finished) phase.</summary>
    public void MigrationEnded(Migration migration)
    {
        var outcome = migration.Phase switch
        {
            MigrationPhase.Completed => "completed",
            MigrationPhase.RolledBack => "rolled_back",
            _ => "failed",
        };
        migrations.WithLabels(outcome).Inc();
        if (migration.Phase == MigrationPhase.Completed && migration.Downtime is { } d) downtime.Observe(d.ToTimeSpan().TotalSeconds);
        var sent = migration.Rounds.Aggregate(0UL, (sum, r) => sum + r.BytesSent);
        if (sent > 0) bytesSent.Inc(sent);
    }

    public void Pressure(PressureResource resource, double value) => pressure.WithLabels(resource.ToString().ToLowerInvariant()).Set(value);

    public void Decided(PolicyDecision decision) => decisions.WithLabels(decision.KindName).Inc();

    public void PeerState(string peer, bool reachable) => peerReachable.WithLabels(peer).Set(reachable ? 1 : 0);
}
