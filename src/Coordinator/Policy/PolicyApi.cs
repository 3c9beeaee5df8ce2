using Federation.Coordinator.Signals;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;

namespace Federation.Coordinator.Policy;

/// <summary>What <c>fedctl policy show|set|explain</c> asks, answered from the store, the signals and the events.</summary>
public sealed class PolicyApi(PolicyStore store, PolicyEvents events, SignalRecorder signals)
{
    public PolicyStatus Get() => Status(store.Current);

    public SetPolicyResponse Set(SetPolicyRequest request)
    {
        if (request.Yaml.Length > PolicyParser.MaxLength)
            throw FederationException.InvalidArgument($"the policy is {request.Yaml.Length} characters long; at most {PolicyParser.MaxLength}");
        var parsed = store.Set(request.Yaml);
        return new SetPolicyResponse { Accepted = parsed.Policy is not null, Errors = { parsed.Errors }, Policy = Get() };
    }

    public PolicyExplanation Explain()
    {
        var explanation = new PolicyExplanation { Policy = Get() };
        if (signals.Latest is { } latest)
        {
            foreach (var resource in System.Enum.GetValues<PressureResource>())
            {
                if (latest.Of(resource) is { } value) explanation.Pressure[resource.ToString().ToLowerInvariant()] = value;
            }
        }
        explanation.Events.AddRange(events.List().Select(e => new PolicyEventRecord
        {
            At = Timestamp.FromDateTimeOffset(e.At),
            Kind = e.Kind,
            Workload = e.Workload,
            SourceCluster = e.Source,
            DestinationCluster = e.Destination,
            Reason = e.Reason,
            DryRun = e.DryRun,
        }));
        explanation.Workloads.AddRange(signals.LatestWorkloads.Select(w => new WorkloadShare
        {
            Workload = w.Workload,
            Cluster = w.Cluster,
            HomeCluster = w.HomeCluster,
            Cpu = w.CpuShare,
            Memory = w.MemoryShare,
            Slot = w.SlotShare,
            Measured = w.Measured,
            Pinned = w.Pinned,
            Moving = w.Moving,
        }));
        return explanation;
    }

    private static PolicyStatus Status(PolicyInForce current) => new()
    {
        Yaml = current.Yaml,
        Source = current.Source,
        LoadedAt = Timestamp.FromDateTimeOffset(current.LoadedAt),
        Summary = current.Policy.Summary(),
        DryRun = current.Policy.DryRun,
    };
}
