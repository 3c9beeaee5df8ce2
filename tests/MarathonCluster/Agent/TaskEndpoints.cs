using Federation.Tests.Marathon.Model;
using Federation.Tests.Marathon.State;

namespace Federation.Tests.Marathon.Agent;

/// <summary>Where port i of a task is reached: the agent's host port (HOST and BRIDGE), or the container's address and port (USER without a host port).</summary>
public static class TaskEndpoints
{
    public static (string Host, int? Port) Of(AppDefinition app, MarathonTask task, int index, int? fixedPort = null)
    {
        if (fixedPort is { } port) return (task.Host, port);
        if (index < 0 || index >= task.Ports.Count) return (task.Host, null);
        if (app.Network == "USER" && index < app.Ports.Count && app.Ports[index].HostPort is null && task.IpAddresses.Count > 0)
            return (task.IpAddresses[0], task.Ports[index]);
        return (task.Host, task.Ports[index]);
    }
}
