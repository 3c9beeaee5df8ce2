namespace Federation.Adapters.Relay;

/// <summary>What a drain did (<see cref="HoldingRelay.DrainAsync"/>).</summary>
/// <param name="Drained">True when no forwarded connection was left open within the limit.</param>
/// <param name="IdleClosed">Connections with no request in flight when the drain first saw them, which it closed at once.</param>
/// <param name="InFlightWaited">Connections with a request in flight when the drain first saw them, which it waited for (closed once answered, or ended by their own ends).</param>
/// <param name="Undrained">Connections still open at the limit (left open, not cut).</param>
/// <param name="Elapsed">How long the drain took.</param>
public readonly record struct DrainOutcome(bool Drained, int IdleClosed, int InFlightWaited, int Undrained, TimeSpan Elapsed)
{
    /// <summary>Nothing to drain.</summary>
    public static readonly DrainOutcome None = new(true, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Two drains run side by side (the ports of one route): the sums, and the longer time.</summary>
    public DrainOutcome Plus(DrainOutcome other) => new(
        Drained && other.Drained, IdleClosed + other.IdleClosed, InFlightWaited + other.InFlightWaited, Undrained + other.Undrained,
        Elapsed > other.Elapsed ? Elapsed : other.Elapsed);
}
