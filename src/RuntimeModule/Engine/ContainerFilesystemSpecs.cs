using Federation.Common;
using Federation.V1;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// What <see cref="ContainerFilesystem"/> is given for one container of a workload of several: an app spec holding that
/// container's image and the volumes it carries (shared storage is carried by none). A volume several containers share is carried by the first that mounts it.
/// </summary>
public static class ContainerFilesystemSpecs
{
    public static AppSpec Of(AppSpec spec, int index)
    {
        var containers = AppSpecContainers.Of(spec);
        var container = containers[index];
        var earlier = containers.Take(index).SelectMany(c => c.Volumes).Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var part = new AppSpec { Name = spec.Name, Image = container.Image };
        part.Volumes.AddRange(container.Volumes.Where(v => !v.Shared && !earlier.Contains(v.Name)).DistinctBy(v => v.Name));
        return part;
    }
}
