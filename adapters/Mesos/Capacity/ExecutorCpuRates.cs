namespace Federation.Adapters.Mesos.Capacity;

/// <summary>
/// CPU in use from Mesos executors' CPU-time counters (<c>cpus_user_time_secs + cpus_system_time_secs</c> at <c>timestamp</c>):
/// the rate between an executor's previous reading and this one, in cores. A reading that did not advance keeps the rate known
/// before it; an executor seen for the first time, or whose counter or clock went back (a new executor under the same id), has no
/// rate yet. Executors no longer reported are forgotten. Pure but for its memory of the previous readings.
/// </summary>
public sealed class ExecutorCpuRates
{
    private Dictionary<string, (double At, double Seconds, double? Cores)> previous = new(StringComparer.Ordinal);

    /// <summary>Cores in use by the executors with a rate, and how many had none yet.</summary>
    public (double Cores, int WithoutRate) Update(IEnumerable<(string Executor, double Timestamp, double CpuSeconds)> readings)
    {
        var next = new Dictionary<string, (double, double, double?)>(StringComparer.Ordinal);
        double cores = 0;
        var without = 0;
        foreach (var (executor, at, seconds) in readings)
        {
            double? rate = null;
            if (previous.TryGetValue(executor, out var before))
            {
                if (at > before.At && seconds >= before.Seconds) rate = (seconds - before.Seconds) / (at - before.At);
                else if (at == before.At && seconds == before.Seconds) rate = before.Cores;
            }
            next[executor] = (at, seconds, rate);
            if (rate is { } r) cores += r;
            else without++;
        }
        previous = next;
        return (cores, without);
    }
}
