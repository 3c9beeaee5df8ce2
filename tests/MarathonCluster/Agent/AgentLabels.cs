namespace Federation.Tests.Marathon.Agent;

/// <summary>Docker labels the agent puts on its task containers (and the cluster on its network), to find (and clean up) its own.</summary>
public static class AgentLabels
{
    public const string Agent = "federation.mesos.agent";
    public const string Task = "federation.mesos.task";
    public const string App = "federation.mesos.app";

    /// <summary>On the cluster's Docker network (the agent's BRIDGE and USER tasks): the network's name.</summary>
    public const string Cluster = "federation.marathon.cluster";
}
