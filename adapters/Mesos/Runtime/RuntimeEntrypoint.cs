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
        // The Ambassador ends with 2 while the app's image is not in the runtime yet (the adapter places it through the
        // Engine once the Engine answers): it is started again, a second apart, at most 600 times; any other end is the app's.
        "if [ -n \"${FEDERATION_APP_SPEC:-}\" ]; then ( n=0; while :; do $D $M/Federation.RuntimeModule.dll ambassador; c=$?; " +
        "{ [ $c -eq 2 ] && [ $n -lt 600 ]; } || exit $c; n=$((n+1)); sleep 1; done ) & a=$!; fi; " +
        // SIGTERM (Marathon's kill) or an end: every process of the container gets SIGTERM (pid 1 ignores its own).
        "stop() { trap - TERM INT; kill -TERM 0 2>/dev/null; wait; exit $1; }; " +
        "trap 'stop 143' TERM INT; " +
        "while kill -0 $d 2>/dev/null && kill -0 $e 2>/dev/null && { [ -z \"$a\" ] || kill -0 $a 2>/dev/null; }; do sleep 1; done; " +
        "echo 'federation-runtime: dockerd, the Engine or the Ambassador exited; the runtime ends' >&2; " +
        "stop 1";
}
