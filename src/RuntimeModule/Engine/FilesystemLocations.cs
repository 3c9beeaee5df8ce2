namespace Federation.RuntimeModule.Engine;

/// <summary>Where a container's writable layer (its overlay upper directory, when it has one) and named volumes (name, mountpoint) are.</summary>
public sealed record FilesystemLocations(string? UpperDirectory, IReadOnlyList<(string Name, string Mountpoint)> Volumes);
