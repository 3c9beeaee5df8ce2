using Federation.Coordinator.Options;
using Federation.Coordinator.Policy;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Signals;

/// <summary>This cluster's pressure samples, oldest first, at most <see cref="PolicyOptions.SamplesKept"/> (the oldest dropped first).</summary>
public sealed class SignalRecorder(IOptions<CoordinatorOptions> options)
{
    private readonly BoundedHistory<PressureSample> samples = new(() => options.Value.Policy.SamplesKept);

    public void Record(PressureSample sample) => samples.Add(sample);

    public IReadOnlyList<PressureSample> Series() => samples.List();

    public PressureSample? Latest => samples.Latest;

    /// <summary>The workloads of the latest snapshot (for <c>fedctl policy explain</c>).</summary>
    public IReadOnlyList<WorkloadSignal> LatestWorkloads { get; private set; } = [];

    public void RecordWorkloads(IReadOnlyList<WorkloadSignal> workloads) => LatestWorkloads = workloads;
}
