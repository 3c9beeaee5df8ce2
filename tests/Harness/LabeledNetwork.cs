using Docker.DotNet;
using Docker.DotNet.Models;

namespace Federation.Tests.Harness;

/// <summary>
/// The Docker network of one test cluster's containers: a bridge with traffic between its containers allowed, marked with a
/// label (<c>{label}={name}</c>) so that only the cluster that made it takes it over or removes it. Its gateway is this host's
/// address on it (the node's or agent's address).
/// </summary>
public static class LabeledNetwork
{
    /// <summary>Creates the network (taking over one left by an earlier run of the same name and label) and returns its gateway address.</summary>
    public static async Task<string> CreateAsync(DockerClient docker, string name, string label, CancellationToken ct)
    {
        var existing = await FindAsync(docker, name, ct);
        if (existing is not null && !IsOurs(existing, name, label))
            throw new InvalidOperationException($"Docker network {name} exists but is not a test cluster's (no label {label}={name})");
        if (existing is null)
        {
            await docker.Networks.CreateNetworkAsync(new NetworksCreateParameters
            {
                Name = name,
                Driver = "bridge",
                CheckDuplicate = true,
                Options = new Dictionary<string, string> { ["com.docker.network.bridge.enable_icc"] = "true" },
                Labels = new Dictionary<string, string> { [label] = name },
            }, ct);
            existing = await FindAsync(docker, name, ct) ?? throw new InvalidOperationException($"Docker network {name} disappeared right after it was created");
        }
        return existing.IPAM?.Config?.Select(c => c.Gateway).FirstOrDefault(g => System.Net.IPAddress.TryParse(g, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
            ?? throw new InvalidOperationException($"Docker network {name} has no IPv4 gateway");
    }

    /// <summary>Removes the network when it is there with the label; does nothing otherwise.</summary>
    public static async Task RemoveAsync(DockerClient docker, string name, string label, CancellationToken ct)
    {
        if (await FindAsync(docker, name, ct) is not { } network || !IsOurs(network, name, label)) return;
        try { await docker.Networks.DeleteNetworkAsync(network.ID, ct); }
        catch (DockerApiException e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound) { }
    }

    private static bool IsOurs(NetworkResponse network, string name, string label) =>
        network.Labels is not null && network.Labels.TryGetValue(label, out var cluster) && cluster == name;

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
