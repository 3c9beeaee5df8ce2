using System.Net;
using System.Net.Sockets;

namespace Federation.Tests.Marathon.Agent;

/// <summary>The agent's <c>ports</c> resource: host ports of its range not held by a task and free on the agent's address.</summary>
public sealed class HostPortAllocator(int begin, int end, IPAddress address)
{
    private int next = -1;

    /// <summary>Ports for a task: 0 asks for any, another number for that one (it must be in the range and free). Null when they cannot be had.</summary>
    public List<int>? Allocate(IReadOnlyList<int> wanted, ISet<int> held)
    {
        var taken = new HashSet<int>(held);
        var result = new List<int>();
        foreach (var port in wanted)
        {
            if (port != 0)
            {
                if (port < begin || port > end || !taken.Add(port)) return null;
                result.Add(port);
                continue;
            }
            int? found = null;
            for (var tries = 0; tries <= end - begin && found is null; tries++)
            {
                var candidate = next < begin || next > end ? begin : next;
                next = candidate >= end ? begin : candidate + 1;
                if (!taken.Contains(candidate) && Free(candidate)) found = candidate;
            }
            if (found is not { } free) return null;
            taken.Add(free);
            result.Add(free);
        }
        return result;
    }

    private bool Free(int port)
    {
        try
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
