using Federation.Coordinator.Tests.Support;
using Federation.V1;

namespace Federation.Coordinator.Tests.OffloadE2e;

/// <summary>
/// What the policy end-to-end fixtures share: their coordinators' settings (Docker-host clusters of this run's prefix, each
/// peer named, heartbeats every second, the coordinator's own log at Information), the wait for a migration a policy
/// started, and the preparation and removal of what a fixture makes.
/// </summary>
public static class PolicyClusters
{
    public static readonly TimeSpan MoveBound = TimeSpan.FromSeconds(120);

    /// <summary>Fails the run when Docker cannot start, removes what an earlier run of this prefix left, and makes the fixture's directory.</summary>
    public static async Task<string> PrepareAsync(string prefix)
    {
        TestEnvironment.RequireDocker();
        await Federation.Tests.Shared.DockerLeftovers.RemoveAsync(prefix, CancellationToken.None);
        return Directory.CreateTempSubdirectory(prefix + "-").FullName;
    }

    public static string[] Settings(string prefix, IEnumerable<(string Name, int Port)> peers, IEnumerable<string> extra) =>
    [
        $"--runtime-image={TestEnvironment.RuntimeImage}",
        $"--name-prefix={prefix}",
        .. peers.Select(p => $"--Coordinator:Peers:{p.Name}=http://127.0.0.1:{p.Port}"),
        "--heartbeat-interval=00:00:01",
        "--Coordinator:Migration:HeartbeatInterval=00:00:01",
        "--Logging:LogLevel:Default=Warning",
        "--Logging:LogLevel:Federation=Information",
        .. extra,
    ];

    /// <summary>
    /// Waits for a migration out of <paramref name="node"/> whose initiator starts with <paramref name="initiatedBy"/> (and is
    /// none of <paramref name="known"/>), then for its end.
    /// </summary>
    public static async Task<Migration> WaitForPolicyMigrationAsync(CoordinatorNode node, string initiatedBy, IReadOnlySet<string>? known = null)
    {
        Migration? found = null;
        await Federation.Tests.Shared.Eventually.WaitAsync(async () =>
        {
            found = (await node.Client.ListMigrationsAsync(new ListMigrationsRequest())).Migrations
                .FirstOrDefault(m => known?.Contains(m.Id) != true && m.InitiatedBy.StartsWith(initiatedBy, StringComparison.Ordinal));
            return found is not null;
        }, $"a new migration in '{node.Cluster}' started by '{initiatedBy}'", seconds: (int)MoveBound.TotalSeconds);
        return await node.WaitForEndAsync(found!.Id, MoveBound);
    }

    /// <summary>Stops the coordinators, removes what this prefix made in Docker and the fixture's directory.</summary>
    public static async Task RemoveAsync(IEnumerable<CoordinatorNode?> nodes, string prefix, string directory)
    {
        foreach (var node in nodes)
        {
            if (node is not null) await node.DisposeAsync();
        }
        await Federation.Tests.Shared.DockerLeftovers.RemoveAsync(prefix, CancellationToken.None);
        try { Directory.Delete(directory, recursive: true); }
        catch (IOException) { }
    }
}
