namespace Federation.MigrationBench;

/// <summary>A row group of the report: the headline, a sweep, the slow link.</summary>
public sealed record CaseGroup(string Name, IReadOnlyList<BenchCase> Cases);
