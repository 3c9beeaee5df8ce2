namespace Federation.Tests.Marathon.State;

/// <summary>One health check's standing for one task (an element of a task's <c>healthCheckResults</c>).</summary>
public sealed record HealthResult(bool Alive, int ConsecutiveFailures, string? FirstSuccess, string? LastSuccess, string? LastFailure, string TaskId, string? LastFailureCause);
