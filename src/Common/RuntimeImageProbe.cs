using Federation.V1;

namespace Federation.Common;

/// <summary>Reads the output of the runtime image's probe (lines "dockerd: ...", "containerd: ...", "runc: ...", "criu: ...", "dirty: yes|no ...").</summary>
/// <remarks>Shared by the adapters that run the runtime image once to learn what a runtime there would be (Docker host: a container; Kubernetes: a pod).</remarks>
public static class RuntimeImageProbe
{
    /// <summary>The shell script the probe runs in the runtime image; its output is what <see cref="Parse"/> reads.</summary>
    public const string Script =
        "echo \"dockerd: $(dockerd --version 2>&1)\"; echo \"containerd: $(containerd --version 2>&1)\"; " +
        "echo \"runc: $(runc --version 2>&1 | head -n1)\"; echo \"criu: $(criu --version 2>&1 | head -n1)\"; " +
        "if out=$(criu check --feature mem_dirty_track 2>&1); then echo \"dirty: yes $out\"; else echo \"dirty: no $out\" | tr '\\n' ' '; echo; fi";

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
