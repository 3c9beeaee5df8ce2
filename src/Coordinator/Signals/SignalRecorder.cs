using Federation.Coordinator.Options;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Signals;

/// <summary>This cluster's pressure samples, oldest first, at most <see cref="PolicyOptions.SamplesKept"/> (the oldest dropped first).</summary>
public sealed class SignalRecorder(IOptions<CoordinatorOptions> options)
{
    private readonly LinkedList<PressureSample> samples = new();

    public void Record(PressureSample sample)
    {
        lock (samples)
        {
            samples.AddLast(sample);
            while (samples.Count > options.Value.Policy.SamplesKept) samples.RemoveFirst();
        }
    }

    public IReadOnlyList<PressureSample> Series()
    {
        lock (samples) return samples.ToList();
    }

    public PressureSample? Latest
    {
        get { lock (samples) return samples.Last?.Value; }
    }
}
