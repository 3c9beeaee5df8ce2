using System.Diagnostics;

namespace Federation.Adapters;

/// <summary>
/// Named durations of the steps of one operation (what a target's preparation spent where), in the order they ended.
/// An adapter fills it while it works; the core reports it beside the migration's phase. Safe to fill from parallel steps.
/// </summary>
public sealed class StepTimes
{
    private readonly Lock gate = new();
    private readonly List<(string Step, TimeSpan Duration)> steps = [];

    /// <summary>A log nobody reads: for callers that do not report steps.</summary>
    public static StepTimes Discarded => new();

    public IReadOnlyList<(string Step, TimeSpan Duration)> Steps
    {
        get
        {
            lock (gate) return steps.ToList();
        }
    }

    public void Record(string step, TimeSpan duration)
    {
        lock (gate) steps.Add((step, duration));
    }

    /// <summary>Runs <paramref name="work"/> and records how long it took (also when it fails).</summary>
    public async Task<T> MeasureAsync<T>(string step, Func<Task<T>> work)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return await work();
        }
        finally
        {
            Record(step, Stopwatch.GetElapsedTime(started));
        }
    }

    /// <inheritdoc cref="MeasureAsync{T}"/>
    public async Task MeasureAsync(string step, Func<Task> work)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await work();
        }
        finally
        {
            Record(step, Stopwatch.GetElapsedTime(started));
        }
    }
}
