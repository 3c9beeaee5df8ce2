namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>Bytes a page tunnel carried each way, read while it runs.</summary>
public sealed class PageTunnelCounters
{
    private long toDestination;
    private long fromDestination;

    public ulong ToDestination => (ulong)Interlocked.Read(ref toDestination);
    public ulong FromDestination => (ulong)Interlocked.Read(ref fromDestination);

    public void AddToDestination(int bytes) => Interlocked.Add(ref toDestination, bytes);
    public void AddFromDestination(int bytes) => Interlocked.Add(ref fromDestination, bytes);
}
