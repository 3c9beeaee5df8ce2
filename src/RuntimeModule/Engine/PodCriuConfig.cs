namespace Federation.RuntimeModule.Engine;

/// <summary>
/// The CRIU configuration of the containers of a workload of several (an app whose spec lists containers), handed to runc
/// through the <c>org.criu.config</c> annotation instead of the runtime image's <c>/etc/criu/runc.conf</c>:
/// <list type="bullet">
/// <item><c>tcp-established</c>: the connections between the app's containers (over localhost in their shared network
/// namespace) are dumped with both ends and restored, instead of closed (<c>tcp-close</c>, the single-container default).</item>
/// <item>an action script that, when CRIU sets up a restored container's namespaces, drops every packet entering the pod's
/// network namespace (an iptables chain, <see cref="Chain"/>): each container is restored by its own CRIU, and a restored
/// socket's first packet (a window probe) to a peer not yet restored would be answered by a reset. The Engine lifts the
/// chain once every container runs again (<see cref="CriuNetworkLock.LiftPodLockAsync"/>); TCP retransmits what it dropped.</item>
/// </list>
/// Written on the state volume, which dockerd, runc and CRIU see at the same path as the Engine.
/// </summary>
public sealed class PodCriuConfig(RuntimeModuleOptions options)
{
    /// <summary>The annotation runc reads its CRIU configuration file from.</summary>
    public const string Annotation = "org.criu.config";

    public const string Chain = "FEDERATION-POD";

    private readonly SemaphoreSlim writing = new(1, 1);

    private string Directory => Path.Combine(options.StateDirectory, "criu");

    public string ConfigPath => Path.Combine(Directory, "pod.conf");

    private string ScriptPath => Path.Combine(Directory, "pod-restore-lock.sh");

    /// <summary>Writes the configuration and its script when they are missing or differ; returns the configuration's path.</summary>
    public async Task<string> EnsureAsync(CancellationToken ct)
    {
        await writing.WaitAsync(ct);
        try
        {
            System.IO.Directory.CreateDirectory(Directory);
            await WriteIfChangedAsync(ScriptPath, Script, ct);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(ScriptPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            await WriteIfChangedAsync(ConfigPath, $"tcp-established\nskip-in-flight\naction-script {ScriptPath}\n", ct);
            return ConfigPath;
        }
        finally
        {
            writing.Release();
        }
    }

    private static async Task WriteIfChangedAsync(string path, string text, CancellationToken ct)
    {
        if (File.Exists(path) && await File.ReadAllTextAsync(path, ct) == text) return;
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text, ct);
        File.Move(temp, path, overwrite: true);
    }

    private const string Script = $$"""
        #!/bin/sh
        # Federation: CRIU action script of the containers of a workload of several. When a restore sets up a container's
        # namespaces, every packet entering the pod's network namespace is dropped (chain {{Chain}}) until the Engine has
        # restored every container of the workload and lifts it; other actions do nothing.
        [ "$CRTOOLS_SCRIPT_ACTION" = "setup-namespaces" ] || exit 0
        [ -n "$CRTOOLS_INIT_PID" ] || exit 0
        for family in iptables ip6tables; do
          command -v "$family" >/dev/null 2>&1 || continue
          nsenter -t "$CRTOOLS_INIT_PID" -n "$family" -w -n -L {{Chain}} >/dev/null 2>&1 && continue
          printf '*filter\n:{{Chain}} - [0:0]\n-I INPUT -j {{Chain}}\n-A {{Chain}} -j DROP\nCOMMIT\n' \
            | nsenter -t "$CRTOOLS_INIT_PID" -n "$family-restore" -w --noflush || [ "$family" = ip6tables ] || exit 1
        done
        exit 0

        """;
}
