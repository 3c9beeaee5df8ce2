namespace Federation.Tests.Kube.Resources;

/// <summary>Allocates ClusterIPs from the flavor's service network (a /24 of it is plenty here) and NodePorts from 30000-32767.</summary>
public sealed class ServiceAddressAllocator(FlavorProfile profile)
{
    private readonly Lock gate = new();
    private readonly HashSet<string> clusterIPs = [];
    private readonly HashSet<int> nodePorts = [];

    public string Prefix => profile.ServiceNetworkPrefix;

    /// <summary>Reserves <paramref name="requested"/> (or the next free address when null); false when taken or outside the range.</summary>
    public bool TryAllocateClusterIP(string? requested, out string address, out string why)
    {
        lock (gate)
        {
            why = "";
            if (requested is not null)
            {
                address = requested;
                if (!requested.StartsWith(profile.ServiceNetworkPrefix, StringComparison.Ordinal))
                {
                    why = $"failed to allocate IP {requested}: the provided IP ({requested}) is not in the valid range. The range of valid IPs is {profile.ServiceNetworkPrefix}0/24";
                    return false;
                }
                if (!clusterIPs.Add(requested))
                {
                    why = $"failed to allocate IP {requested}: provided IP is already allocated";
                    return false;
                }
                return true;
            }
            for (var host = 10; host < 255; host++)
            {
                var candidate = profile.ServiceNetworkPrefix + host;
                if (clusterIPs.Add(candidate))
                {
                    address = candidate;
                    return true;
                }
            }
            address = "";
            why = "failed to allocate a serviceIP: range is full";
            return false;
        }
    }

    public bool TryAllocateNodePort(int? requested, out int port, out string why)
    {
        lock (gate)
        {
            why = "";
            if (requested is { } wanted and not 0)
            {
                port = wanted;
                if (wanted is < 30000 or > 32767)
                {
                    why = "provided port is not in the valid range. The range of valid ports is 30000-32767";
                    return false;
                }
                if (!nodePorts.Add(wanted))
                {
                    why = "provided port is already allocated";
                    return false;
                }
                return true;
            }
            for (var candidate = 30000; candidate <= 32767; candidate++)
            {
                if (nodePorts.Add(candidate))
                {
                    port = candidate;
                    return true;
                }
            }
            port = 0;
            why = "range is full";
            return false;
        }
    }

    public void Release(string? clusterIP, IEnumerable<int> ports)
    {
        lock (gate)
        {
            if (clusterIP is not null)
            {
                clusterIPs.Remove(clusterIP);
            }
            foreach (var port in ports)
            {
                nodePorts.Remove(port);
            }
        }
    }
}
