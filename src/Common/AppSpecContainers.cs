using Federation.V1;

namespace Federation.Common;

/// <summary>
/// The containers of an app as one list, whichever form its spec has: the listed containers of a workload of several
/// (<see cref="AppSpec.Containers"/>, in start order, the first owning the network namespace), or the single container
/// the top-level image, command, environment and volumes describe, named after the app.
/// </summary>
public static class AppSpecContainers
{
    /// <summary>True when the spec lists its containers (a workload of several, even if it lists one).</summary>
    public static bool IsListed(AppSpec spec) => spec.Containers.Count > 0;

    public static IReadOnlyList<AppContainer> Of(AppSpec spec)
    {
        if (IsListed(spec)) return spec.Containers;
        var single = new AppContainer { Name = spec.Name, Image = spec.Image };
        single.Command.AddRange(spec.Command);
        single.Env.Add(spec.Env);
        single.Volumes.AddRange(spec.Volumes);
        return [single];
    }

    /// <summary>Every image the app needs, each once, in container order.</summary>
    public static IReadOnlyList<string> Images(AppSpec spec) => Of(spec).Select(c => c.Image).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>The image shown for the app (listings, labels): its first container's.</summary>
    /// <summary>The names of the app's shared volumes (shared storage, never copied), over all its containers.</summary>
    public static IReadOnlyList<string> SharedVolumes(AppSpec spec) =>
        Of(spec).SelectMany(c => c.Volumes).Where(v => v.Shared).Select(v => v.Name).Distinct(StringComparer.Ordinal).ToList();

    public static string MainImage(AppSpec spec) => Of(spec)[0].Image;
}
