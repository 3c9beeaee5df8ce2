namespace Federation.Tests.Marathon.Model;

/// <summary>One of <c>container.volumes</c>: a host path bind (or, when <see cref="HostPath"/> is null, a persistent or external volume).</summary>
public sealed record VolumeSpec(string ContainerPath, string? HostPath, string Mode, bool Persistent);
