namespace Federation.Tests.Marathon.Agent;

/// <summary>Docker labels the agent puts on its task containers, to find (and clean up) its own.</summary>
public static class AgentLabels
{
    public const string Agent = "federation.mesos.agent";
    public const string Task = "federation.mesos.task";
    public const string App = "federation.mesos.app";
}
