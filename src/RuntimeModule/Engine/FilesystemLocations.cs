namespace Federation.RuntimeModule.Engine;

/// <summary>Where a container's writable layer (its overlay upper directory, when it has one) and named volumes are, with each volume's archive name.</summary>
public sealed record FilesystemLocations(string? UpperDirectory, IReadOnlyList<(string Archive, string Mountpoint)> Volumes);
