using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Common;

namespace Federation.Adapters.Docker;

/// <summary>
/// The Docker network of one cluster's runtimes, instead of the host's default bridge: a bridge of its own
/// with traffic between its containers off (<c>enable_icc=false</c>), so neither unrelated containers nor the
/// cluster's other runtimes reach a runtime's Engine or app at the runtime's address. What others may reach is
/// what a runtime publishes: its app ports and Engine on 127.0.0.1 (this host's coordinator and processes), and
/// both again on this network's gateway address, which containers of every network on the host reach: the Engine
/// for other clusters' runtimes, which push checkpoints there, and the app ports, its app endpoints, for relays
/// (this host's, in the host's network, and other clusters', such as a Kubernetes relay pod).
/// Created when a runtime starts and it is missing (safe against concurrent starts, a restarted coordinator and
/// a network left by an earlier run); removed once no runtime is attached to it.
/// </summary>
/// <param name="name">The network's name, one per cluster and host (<c>{prefix}-{cluster}</c>).</param>
/// <param name="ownerLabel">The <c>federation.owner</c> label of everything the cluster creates; a network of that name without it is not ours.</param>
public sealed class RuntimeNetwork(DockerClient docker, string name, string ownerLabel)
{
    public const string OwnerLabel = "federation.owner";
    private const string NetworkLabel = "federation.network";
    private const string IsolationOption = "com.docker.network.bridge.enable_icc";

    /// <summary>Held from making sure the network exists until a runtime has joined it, and while it is removed, so neither sees the other half done.</summary>
    private readonly SemaphoreSlim gate = new(1, 1);

    public string Name => name;

    /// <summary>
    /// Runs <paramref name="join"/> (create and start a container on the network) with the network in place and no
    /// removal of it in between. <paramref name="join"/> is given the network's gateway address.
    /// </summary>
    public async Task<T> JoinAsync<T>(Func<string, CancellationToken, Task<T>> join, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var network = await FindAsync(ct) ?? await CreateAsync(ct);
            if (!IsThisClusters(network))
                throw FederationException.FailedPrecondition(
                    $"Docker network {Names.Escape(name, 64)} exists but is not this cluster's (a {Names.Escape(network.Driver ?? "", 32)} network without label {OwnerLabel}={ownerLabel})");
            return await join(GatewayOf(network), ct);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Removes the network when no container is attached to it (the cluster's last runtime is gone). Safe to repeat.</summary>
    public async Task RemoveIfUnusedAsync(CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var network = await FindAsync(ct);
            // Someone else's network of that name is left alone.
            if (network is null || !IsThisClusters(network) || network.Containers is { Count: > 0 }) return;
            await docker.Networks.DeleteNetworkAsync(network.ID, ct);
        }
        catch (DockerApiException e) when (e.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.Forbidden)
        {
            // Gone already, or a container joined it after all (Docker refuses to remove a network with active endpoints).
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The network of that name (this cluster's or not), or null.</summary>
    private async Task<NetworkResponse?> FindAsync(CancellationToken ct)
    {
        // The name filter matches parts of names; only the exact name counts.
        var found = (await docker.Networks.ListNetworksAsync(new NetworksListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["name"] = new Dictionary<string, bool> { [name] = true } },
        }, ct)).Where(n => n.Name == name).OrderBy(n => n.Created).ToList();
        if (found.Count == 0) return null;
        // The list leaves out the attached containers and sometimes the IPAM details: the inspection has both.
        try { return await docker.Networks.InspectNetworkAsync(found[0].ID, ct); }
        catch (DockerNetworkNotFoundException) { return null; }
    }

    private bool IsThisClusters(NetworkResponse network) =>
        network.Driver == "bridge" && network.Labels is not null && network.Labels.TryGetValue(OwnerLabel, out var owner) && owner == ownerLabel;

    private async Task<NetworkResponse> CreateAsync(CancellationToken ct)
    {
        try
        {
            await docker.Networks.CreateNetworkAsync(new NetworksCreateParameters
            {
                Name = name,
                Driver = "bridge",
                // Refused (409) when a network of that name exists: another coordinator process made it since we looked.
                CheckDuplicate = true,
                Options = new Dictionary<string, string> { [IsolationOption] = "false" },
                Labels = new Dictionary<string, string> { [OwnerLabel] = ownerLabel, [NetworkLabel] = name },
            }, ct);
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict) { }
        return await FindAsync(ct) ?? throw FederationException.Unavailable($"Docker network {Names.Escape(name, 64)} disappeared right after it was created");
    }

    private string GatewayOf(NetworkResponse network) =>
        network.IPAM?.Config?.Select(c => c.Gateway).FirstOrDefault(g => System.Net.IPAddress.TryParse(g, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        ?? throw FederationException.FailedPrecondition($"Docker network {Names.Escape(name, 64)} has no IPv4 gateway address");
}
