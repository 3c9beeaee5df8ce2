using System.Threading.Channels;

namespace Federation.Tests.Kube.Store;

/// <summary>
/// An open watch: the events of one resource (and namespace, when given) after its starting revision, delivered in
/// revision order through an unbounded channel; <see cref="Close"/> ends it (DropWatches, server stop).
/// </summary>
public sealed class WatchSubscription : IDisposable
{
    private readonly Channel<StoredEvent> events = Channel.CreateUnbounded<StoredEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource closed = new();
    private readonly Action<WatchSubscription> unregister;

    internal WatchSubscription(string resource, string? ns, Action<WatchSubscription> unregister)
    {
        Resource = resource;
        Namespace = ns;
        this.unregister = unregister;
    }

    public string Resource { get; }
    public string? Namespace { get; }

    public ChannelReader<StoredEvent> Events => events.Reader;

    /// <summary>Cancelled when the server closes the watch.</summary>
    public CancellationToken Closed => closed.Token;

    internal bool Wants(StoredEvent change) =>
        change.Type == "BOOKMARK" || (change.Resource == Resource && (Namespace is null || change.Namespace == Namespace));

    internal void Deliver(StoredEvent change) => events.Writer.TryWrite(change);

    public void Close()
    {
        events.Writer.TryComplete();
        try
        {
            closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        unregister(this);
        Close();
        closed.Dispose();
    }
}
