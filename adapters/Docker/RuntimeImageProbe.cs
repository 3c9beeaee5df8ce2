using Federation.Common;
using Federation.V1;

namespace Federation.Adapters.Docker;

/// <summary>Reads the output of the runtime image's probe (lines "dockerd: ...", "containerd: ...", "runc: ...", "criu: ...", "dirty: yes|no ...").</summary>
public static class RuntimeImageProbe
{
    public static DescribeResponse Parse(string output)
    {
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => l.Split(':', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.First()[1].Trim());
        var dirty = lines.GetValueOrDefault("dirty", "");
        return new DescribeResponse
        {
            DockerVersion = RuntimePlatform.Version(lines.GetValueOrDefault("dockerd")),
            ContainerdVersion = RuntimePlatform.Version(lines.GetValueOrDefault("containerd")),
            RuncVersion = RuntimePlatform.Version(lines.GetValueOrDefault("runc")),
            CriuVersion = RuntimePlatform.Version(lines.GetValueOrDefault("criu")),
            DirtyTracking = dirty.StartsWith("yes", StringComparison.Ordinal),
            DirtyTrackingDetail = dirty,
        };
    }
}
