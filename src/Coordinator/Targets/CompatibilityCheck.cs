using System.Text.RegularExpressions;
using Federation.Adapters;
using Federation.V1;

namespace Federation.Coordinator.Targets;

/// <summary>
/// Can a checkpoint taken by the source runtime be restored by a runtime of this cluster? CRIU images
/// are tied to the CPU architecture; CRIU, runc and Docker must not be older on the destination, and
/// the kernel not older either (newer kernels restore older images, not the other way round).
/// </summary>
public static partial class CompatibilityCheck
{
    public static IReadOnlyList<string> Refusals(DescribeResponse source, NodeCapabilities destination, AppSpec spec, ulong requiredMemory)
    {
        var reasons = new List<string>();
        if (!string.Equals(source.Architecture, destination.Architecture, StringComparison.Ordinal))
            reasons.Add($"architecture {destination.Architecture} differs from the source's {source.Architecture}");
        NotOlder(reasons, "kernel", source.Kernel, destination.Kernel);
        NotOlder(reasons, "CRIU", source.CriuVersion, destination.CriuVersion);
        NotOlder(reasons, "runc", source.RuncVersion, destination.RuncVersion);
        NotOlder(reasons, "Docker", source.DockerVersion, destination.DockerVersion);
        if (!destination.Images.Contains(spec.Image))
            reasons.Add($"image {spec.Image} is not available");
        if (destination.WorkloadSlotsFree <= 0)
            reasons.Add("no free workload slot");
        if (requiredMemory > 0 && destination.MemoryFreeBytes < requiredMemory)
            reasons.Add($"{destination.MemoryFreeBytes >> 20} MiB free, {requiredMemory >> 20} MiB needed");
        return reasons;
    }

    /// <summary>Major.minor of a version string ("26.1.5+dfsg1", "Version: 4.2.1", "6.18.0-1-amd64").</summary>
    public static Version? MajorMinor(string? text)
    {
        var match = VersionNumber().Match(text ?? "");
        return match.Success ? new Version(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value)) : null;
    }

    private static void NotOlder(List<string> reasons, string what, string source, string destination)
    {
        var s = MajorMinor(source);
        var d = MajorMinor(destination);
        if (s is null) return;
        if (d is null) reasons.Add($"{what} version is unknown (source has {source})");
        else if (d < s) reasons.Add($"{what} {destination} is older than the source's {source}");
    }

    [GeneratedRegex(@"(\d+)\.(\d+)")]
    private static partial Regex VersionNumber();
}
