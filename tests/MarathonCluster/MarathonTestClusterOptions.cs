using Federation.Tests.Marathon.Agent;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Marathon;

/// <summary>How a <see cref="MarathonTestCluster"/> is set up.</summary>
public sealed record MarathonTestClusterOptions
{
    /// <summary>Prefix of every Docker object it makes; default FEDTEST_MARATHON_PREFIX or "fedmara".</summary>
    public string Prefix { get; init; } = Environment.GetEnvironmentVariable("FEDTEST_MARATHON_PREFIX") is { Length: > 0 } p ? p : "fedmara";

    /// <summary>Tells clusters of one prefix apart (several in one test run).</summary>
    public string Name { get; init; } = "c1";

    public MockMarathonOptions Api { get; init; } = new();

    /// <summary>The agent's resources, role and attributes (Prefix and Network are set by the cluster).</summary>
    public Func<MesosAgentOptions, MesosAgentOptions> Agent { get; init; } = o => o;

    public ILoggerFactory? LoggerFactory { get; init; }
}
