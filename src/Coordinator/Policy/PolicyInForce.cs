namespace Federation.Coordinator.Policy;

/// <summary>The policy that acts now, its text, where it came from and when.</summary>
/// <param name="Source">"file PATH", "fedctl policy set" or "default".</param>
public sealed record PolicyInForce(OffloadPolicy Policy, string Yaml, string Source, DateTimeOffset LoadedAt);
