namespace Federation.Tests.Marathon.State;

/// <summary>
/// One task of an app as Marathon knows it (what <c>/v2/apps/{id}/tasks</c> shows): written by the agent that runs it.
/// <see cref="ConfigVersion"/> is the app's <c>versionInfo.lastConfigChangeAt</c> it was launched for; a config change replaces it.
/// </summary>
public sealed record MarathonTask(
    string Id, string AppId, string SlaveId, string Host, IReadOnlyList<int> Ports, IReadOnlyList<int> ServicePorts, IReadOnlyList<string> IpAddresses,
    string StagedAt, string? StartedAt, string State, string Version, string ConfigVersion, IReadOnlyList<HealthResult> HealthResults,
    double Cpus, double Mem, double Disk, string Role)
{
    /// <summary>Asked to die (<c>DELETE .../tasks/{id}</c>, a scale down, an upgrade): the agent kills it and removes it.</summary>
    public bool KillRequested { get; init; }

    public bool Running => State == "TASK_RUNNING";

    /// <summary>Running and, when the app has health checks, alive in every one of them.</summary>
    public bool Healthy(int healthChecks) =>
        Running && (healthChecks == 0 || (HealthResults.Count >= healthChecks && HealthResults.All(h => h.Alive)));
}
