using Docker.DotNet.Models;
using Federation.RuntimeModule.Tests;

namespace Federation.Tests.Shared;

/// <summary>What end-to-end tests left on the outer Docker host, by name prefix.</summary>
public static class DockerLeftovers
{
    /// <summary>Removes every container, volume and network whose name starts with "<paramref name="prefix"/>-" (an earlier run's, or this run's).</summary>
    public static async Task RemoveAsync(string prefix, CancellationToken ct)
    {
        using var docker = TestEnvironment.OuterDocker();
        var containers = await docker.Containers.ListContainersAsync(new ContainersListParameters { All = true }, ct);
        foreach (var c in containers.Where(c => c.Names.Any(n => n.TrimStart('/').StartsWith(prefix + "-", StringComparison.Ordinal))))
            await docker.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true }, ct);
        var volumes = await docker.Volumes.ListAsync(ct);
        foreach (var v in volumes.Volumes?.Where(v => v.Name.StartsWith(prefix + "-", StringComparison.Ordinal)) ?? [])
            await docker.Volumes.RemoveAsync(v.Name, force: true, ct);
        // The clusters' runtime networks ("{prefix}-{cluster}"), once their containers are gone.
        var networks = await docker.Networks.ListNetworksAsync(cancellationToken: ct);
        foreach (var n in networks.Where(n => n.Name.StartsWith(prefix + "-", StringComparison.Ordinal)))
            await docker.Networks.DeleteNetworkAsync(n.ID, ct);
    }
}
