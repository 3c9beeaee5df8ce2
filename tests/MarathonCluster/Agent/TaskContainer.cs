using Federation.Tests.Marathon.Model;
using Federation.Tests.Marathon.State;

namespace Federation.Tests.Marathon.Agent;

/// <summary>What the agent keeps about a task it runs: its container, the definition it was launched from, its health checkers.</summary>
public sealed class TaskContainer(MarathonTask task, string containerId, AppDefinition app, IReadOnlyList<HealthChecker> checkers)
{
    public MarathonTask Task { get; set; } = task;

    public string ContainerId { get; } = containerId;

    public AppDefinition App { get; } = app;

    public IReadOnlyList<HealthChecker> Checkers { get; } = checkers;

    /// <summary>Where a health check or marathon-lb reaches port <paramref name="index"/> of the task.</summary>
    public (string Host, int? Port) Endpoint(int index, int? fixedPort) => TaskEndpoints.Of(App, Task, index, fixedPort);
}
