namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>
/// A post-copy dump in progress: runc and CRIU dumped the app without its memory and now serve its pages on
/// <see cref="Port"/> (127.0.0.1 of the runtime's network namespace, which the Engine shares) until the destination has
/// them all. <see cref="Finished"/> completes when the dump ends: null when every page was served (CRIU then killed the
/// app), else why not.
/// </summary>
public sealed class LazyDump(string app, string checkpoint, string containerId, int port, RuntimeCommand dump, Task<string?> finished)
{
    private int claimed;

    public string App { get; } = app;
    public string Checkpoint { get; } = checkpoint;
    public string ContainerId { get; } = containerId;
    public int Port { get; } = port;
    public Task<string?> Finished { get; } = finished;

    /// <summary>The Engine stopped the dump (<see cref="LazyDumpAbort"/>): the app is left stopped here.</summary>
    public bool Abandoned { get; private set; }

    /// <summary>True for the first caller only: one page tunnel per dump.</summary>
    public bool TryClaim() => Interlocked.Exchange(ref claimed, 1) == 0;

    /// <summary>Marks the dump as stopped by the Engine (<see cref="LazyDumpAbort"/>): the app is left here, not served away.</summary>
    public void MarkAbandoned() => Abandoned = true;

    /// <summary>Kills runc and CRIU: the last resort of <see cref="LazyDumpAbort"/>, for a CRIU that does not end when told.</summary>
    public void Kill() => dump.Kill();
}
