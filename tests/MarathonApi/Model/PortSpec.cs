namespace Federation.Tests.Marathon.Model;

/// <summary>
/// One port of an app: from <c>portDefinitions</c> (HOST networking: <see cref="ContainerPort"/> 0, the task listens on its host port)
/// or <c>portMappings</c> (BRIDGE/USER). <see cref="HostPort"/> 0: any port of the agent's range; null: none (USER without a hostPort).
/// </summary>
public sealed record PortSpec(int ContainerPort, int? HostPort, int ServicePort, string Protocol, string? Name, IReadOnlyDictionary<string, string> Labels);
