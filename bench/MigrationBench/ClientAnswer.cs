namespace Federation.MigrationBench;

/// <summary>One answer the client got: when its request started and ended (bench clock), from which port, what it said.</summary>
public sealed record ClientAnswer(TimeSpan Started, TimeSpan Ended, int Port, ulong Counter, string Seed);
