namespace Federation.Tests.Marathon.Model;

/// <summary><c>container.docker</c>: what the Docker containerizer runs.</summary>
public sealed record DockerSpec(string Image, bool Privileged, bool ForcePullImage, IReadOnlyList<KeyValuePair<string, string>> Parameters);
