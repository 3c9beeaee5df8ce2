namespace Federation.MigrationBench;

/// <summary>A step of the benchmark that failed, with a one-line reason (reported in the table, never a stack trace).</summary>
public sealed class BenchException(string message) : Exception(message);
