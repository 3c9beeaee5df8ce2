namespace Federation.Adapters.Mesos.Runtime;

/// <summary>
/// The runtime container's command (Marathon's <c>cmd</c>, run by <c>/bin/sh -c</c>): what a runtime pod's three containers do,
/// in one container. It starts dockerd, waits (bounded) for its socket, then the Engine and the Ambassador (none for a probe
/// without an app spec), and exits as soon as any of them exits, so Marathon sees the runtime fail and replaces it; SIGTERM
/// (Marathon's kill) stops all three.
/// </summary>
public static class RuntimeEntrypoint
{
    public static string Script(string dotnet) =>
        $"S={RuntimeAppOptions.StatePath}; M={RuntimeAppOptions.ModulePath}; D={dotnet}/dotnet; " +
        "mkdir -p $S/run $S/checkpoints $S/apps; " +
        "dockerd --experimental --data-root $S/docker -H unix://$S/run/docker.sock & d=$!; " +
        "n=0; while [ ! -S $S/run/docker.sock ] && [ $n -lt 600 ] && kill -0 $d 2>/dev/null; do sleep 0.1; n=$((n+1)); done; " +
        "if [ ! -S $S/run/docker.sock ]; then echo 'federation-runtime: dockerd did not start' >&2; kill $d 2>/dev/null; exit 1; fi; " +
        "$D $M/Federation.RuntimeModule.dll engine & e=$!; a=''; " +
        "if [ -n \"${FEDERATION_APP_SPEC:-}\" ]; then $D $M/Federation.RuntimeModule.dll ambassador & a=$!; fi; " +
        "trap 'kill $e $a $d 2>/dev/null; wait; exit 143' TERM INT; " +
        "while kill -0 $d 2>/dev/null && kill -0 $e 2>/dev/null && { [ -z \"$a\" ] || kill -0 $a 2>/dev/null; }; do sleep 1; done; " +
        "echo 'federation-runtime: dockerd, the Engine or the Ambassador exited; the runtime ends' >&2; " +
        "kill $e $a $d 2>/dev/null; wait; exit 1";
}
