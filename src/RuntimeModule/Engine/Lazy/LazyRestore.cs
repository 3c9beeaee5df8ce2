using System.Net.Sockets;

namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>
/// A lazy restore's helpers on the destination: CRIU's <c>lazy-pages</c> daemon (in the runtime's namespaces, its socket in
/// <see cref="WorkDirectory"/>, where the restore's CRIU hands it the app's userfaultfd) and the loopback port it fetches
/// pages from, which the Engine accepts and joins to the source's page tunnel (<see cref="LazyPagesService"/>).
/// <see cref="Finished"/> completes when the daemon ends: null once every page is here, else why not.
/// </summary>
public sealed class LazyRestore(string app, string checkpoint, string key, string workDirectory, TcpListener listener, RuntimeCommand daemon,
    Task<string?> finished) : IDisposable
{
    private int tunnelClaimed;
    private string? stopReason;

    public string App { get; } = app;
    public string Checkpoint { get; } = checkpoint;
    public string Key { get; } = key;

    /// <summary>CRIU's work directory of the restore and the daemon, as the runtime sees it.</summary>
    public string WorkDirectory { get; } = workDirectory;

    public Task<string?> Finished { get; } = finished;

    /// <summary>The daemon's connection to its page server (this Engine), accepted once.</summary>
    public Task<Socket> DaemonConnection { get; } = listener.AcceptSocketAsync();

    /// <summary>True for the first tunnel only.</summary>
    public bool TryClaimTunnel() => Interlocked.Exchange(ref tunnelClaimed, 1) == 0;

    /// <summary>Why the Engine stopped the daemon (<see cref="Stop"/>), if it did.</summary>
    public string? StopReason => Volatile.Read(ref stopReason);

    /// <summary>Stops the daemon, saying why: the app's pages not yet here are then lost.</summary>
    public void Stop(string reason)
    {
        Interlocked.CompareExchange(ref stopReason, reason, null);
        Dispose();
    }

    /// <summary>Stops the daemon if it still runs (the app's missing pages are then lost) and the listener.</summary>
    public void Dispose()
    {
        listener.Stop();
        daemon.Kill();
    }
}
