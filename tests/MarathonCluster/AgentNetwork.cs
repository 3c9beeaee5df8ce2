using Docker.DotNet;
using Docker.DotNet.Models;

namespace Federation.Tests.Marathon;

/// <summary>The Docker network of the agent's BRIDGE and USER tasks: a bridge whose gateway is the agent's address (this host, reachable from every container).</summary>
public static class AgentNetwork
{
    public const string Label = "federation.marathon.cluster";

    /// <summary>Creates the network (taking over one an earlier run of the same name left) and returns its gateway address.</summary>
    public static async Task<string> CreateAsync(DockerClient docker, string name, CancellationToken ct)
    {
        var existing = await FindAsync(docker, name, ct);
        if (existing is not null && !IsOurs(existing, name))
            throw new InvalidOperationException($"Docker network {name} exists but is not a Marathon test cluster's (no label {Label}={name})");
        if (existing is null)
        {
            await docker.Networks.CreateNetworkAsync(new NetworksCreateParameters
            {
                Name = name,
                Driver = "bridge",
                CheckDuplicate = true,
                Options = new Dictionary<string, string> { ["com.docker.network.bridge.enable_icc"] = "true" },
                Labels = new Dictionary<string, string> { [Label] = name },
            }, ct);
            existing = await FindAsync(docker, name, ct) ?? throw new InvalidOperationException($"Docker network {name} disappeared right after it was created");
        }
        return existing.IPAM?.Config?.Select(c => c.Gateway).FirstOrDefault(g => System.Net.IPAddress.TryParse(g, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? throw new InvalidOperationException($"Docker network {name} has no IPv4 gateway");
    }

    public static async Task RemoveAsync(DockerClient docker, string name, CancellationToken ct)
    {
        if (await FindAsync(docker, name, ct) is not { } network || !IsOurs(network, name)) return;
        try { await docker.Networks.DeleteNetworkAsync(network.ID, ct); }
        catch (DockerApiException e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound) { }
    }

    private static bool IsOurs(NetworkResponse network, string name) =>
        network.Labels is not null && network.Labels.TryGetValue(Label, out var cluster) && cluster == name;

    private static async Task<NetworkResponse?> FindAsync(DockerClient docker, string name, CancellationToken ct)
    {
        var found = (await docker.Networks.ListNetworksAsync(new NetworksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [name] = true } },
        }, ct)).FirstOrDefault(n => n.Name == name);
        if (found is null) return null;
        try { return await docker.Networks.InspectNetworkAsync(found.ID, ct); }
        catch (DockerNetworkNotFoundException) { return null; }
    }
}
