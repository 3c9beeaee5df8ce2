namespace Federation.MigrationBench;

public enum RunKind
{
    Ours,
    Baseline,
}
