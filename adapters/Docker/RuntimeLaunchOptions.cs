namespace Federation.Adapters.Docker;

/// <summary>How runtimes are started on one Docker host.</summary>
public sealed class RuntimeLaunchOptions
{
    public const int EnginePort = 50051;

    /// <summary>The runtime image (trixie dockerd + CRIU), built by scripts/setup.sh.</summary>
    public required string RuntimeImage { get; init; }

    /// <summary>Host directory holding Federation.RuntimeModule.dll, bind-mounted read-only into Engine and Ambassador.</summary>
    public string ModuleDirectory { get; init; } = DefaultModuleDirectory();

    /// <summary>Host .NET root, bind-mounted read-only at the same path so the module runs without an image of its own.</summary>
    public string DotnetRoot { get; init; } = DefaultDotnetRoot();

    /// <summary>Keep the shared volume (inner /var/lib/docker, checkpoints) in memory: checkpoint I/O dominates downtime.</summary>
    public bool StateOnTmpfs { get; init; } = true;

    /// <summary>Use <c>--privileged</c> (a real cluster) instead of the capability set that works on kernels where it fails.</summary>
    public bool Privileged { get; init; }

    /// <summary>
    /// The Docker network the runtimes join (one per cluster and host), created with the first runtime and removed with
    /// the last; never the host's default bridge, where every container would reach a runtime's Engine and app ports.
    /// </summary>
    public required string Network { get; init; }

    /// <summary>
    /// Host directory of shared storage (an NFS mount every cluster's hosts reach, or one directory for clusters on one
    /// host), bound into every runtime's dockerd and Engine at <c>/var/lib/federation-shared</c>: an app's shared volume is
    /// its subdirectory of that name, re-attached at the destination, never copied. Null: none.
    /// </summary>
    public string? SharedVolumesDirectory { get; init; }

    /// <summary>Label put on everything this host creates, to find leftovers.</summary>
    public string OwnerLabel { get; init; } = "federation";

    public static string DefaultModuleDirectory() =>
        Environment.GetEnvironmentVariable("FEDERATION_MODULE_DIR") is { Length: > 0 } dir
            ? dir
            : Path.GetDirectoryName(typeof(RuntimeModule.RuntimeModuleOptions).Assembly.Location)!;

    public static string DefaultDotnetRoot()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root) return root;
        // <root>/shared/Microsoft.NETCore.App/<version>/
        var runtime = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        return Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
    }
}
