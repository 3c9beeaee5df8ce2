using Federation.Coordinator.Signals;

namespace Federation.Coordinator.Policy;

/// <summary>Whether a pressure series held a condition for a whole window (pure: time is the snapshot's).</summary>
public static class SustainedPressure
{
    /// <summary>
    /// True when every sample of <paramref name="resource"/> over the last <paramref name="window"/> before <paramref name="now"/>
    /// meets <paramref name="condition"/>, and the series reaches back to the window's start (the sample in force at that
    /// start counts). An unknown value anywhere in the window, or a series that does not cover it, is not sustained.
    /// </summary>
    public static bool Holds(IReadOnlyList<PressureSample> series, PressureResource resource, DateTimeOffset now, TimeSpan window, Func<double, bool> condition)
    {
        var start = now - window;
        var covering = -1;
        for (var i = 0; i < series.Count; i++)
        {
            if (series[i].At <= start) covering = i;
        }
        if (covering < 0) return false;
        for (var i = covering; i < series.Count; i++)
        {
            if (series[i].At > now) break;
            if (series[i].Of(resource) is not { } value || !condition(value)) return false;
        }
        return true;
    }
}
