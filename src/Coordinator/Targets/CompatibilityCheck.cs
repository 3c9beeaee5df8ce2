using System.Text.RegularExpressions;
using Federation.Adapters;
using Federation.Common;
using Federation.V1;

namespace Federation.Coordinator.Targets;

/// <summary>
/// Can a checkpoint taken by the source runtime be restored by a runtime of this cluster? CRIU images
/// are tied to the CPU architecture; CRIU, runc and Docker must not be older on the destination, and
/// the kernel not older either (newer kernels restore older images, not the other way round).
/// </summary>
public static partial class CompatibilityCheck
{
    /// <summary>Why a runtime described as <paramref name="destination"/> cannot restore what <paramref name="source"/> checkpoints; empty when it can.</summary>
    public static List<string> RuntimeRefusals(DescribeResponse source, DescribeResponse destination)
    {
        var reasons = new List<string>();
        if (!string.Equals(source.Architecture, destination.Architecture, StringComparison.Ordinal))
            reasons.Add($"architecture {destination.Architecture} differs from the source's {source.Architecture}");
        NotOlder(reasons, "kernel", source.Kernel, destination.Kernel);
        NotOlder(reasons, "CRIU", source.CriuVersion, destination.CriuVersion);
        NotOlder(reasons, "runc", source.RuncVersion, destination.RuncVersion);
        NotOlder(reasons, "Docker", source.DockerVersion, destination.DockerVersion);
        return reasons;
    }

    /// <summary>The runtime refusals and those of room: the image, shared storage, a workload slot, memory (when the orchestrator tells).</summary>
    public static List<string> Refusals(DescribeResponse source, PlacementOffer offer, AppSpec spec, ulong requiredMemory)
    {
        var reasons = RuntimeRefusals(source, offer.Runtime);
        foreach (var image in AppSpecContainers.Images(spec).Where(i => !offer.Images.Contains(i)))
            reasons.Add($"image {image} is not available");
        foreach (var shared in AppSpecContainers.SharedVolumes(spec).Where(v => offer.SharedVolumes?.Contains(v) != true))
            reasons.Add($"shared volume '{shared}' is not in this cluster's shared storage (it is never copied: the destination must reach the same storage)");
        if (offer.WorkloadSlotsFree <= 0)
            reasons.Add("no free workload slot");
        if (requiredMemory > 0 && offer.MemoryFreeBytes is { } free && free < requiredMemory)
            reasons.Add($"{free >> 20} MiB free, {requiredMemory >> 20} MiB needed");
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
