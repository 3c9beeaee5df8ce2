using System.Diagnostics;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;

namespace Federation.RuntimeModule.Engine;

/// <summary>The step timings checkpoint and restore responses report.</summary>
internal static class StepTimings
{
    public static StepTiming Of(string step, Stopwatch watch) => new() { Step = step, Duration = Duration.FromTimeSpan(watch.Elapsed) };
}
