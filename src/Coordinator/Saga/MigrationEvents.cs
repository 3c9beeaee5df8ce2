using System.Threading.Channels;
using Federation.V1;

namespace Federation.Coordinator.Saga;

/// <summary>Fans migration events out to the Watch streams that follow a migration.</summary>
public sealed class MigrationEvents
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, List<Channel<MigrationEvent>>> watchers = [];

    public ChannelReader<MigrationEvent> Subscribe(string migrationId, out IDisposable subscription)
    {
        // Bounded, dropping the oldest progress events: a slow watcher must not hold up the saga.
        var channel = Channel.CreateBounded<MigrationEvent>(new BoundedChannelOptions(256) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (gate)
        {
            if (!watchers.TryGetValue(migrationId, out var list)) watchers[migrationId] = list = [];
            list.Add(channel);
        }
        subscription = new Unsubscribe(this, migrationId, channel);
        return channel.Reader;
    }

    public void Publish(MigrationEvent e)
    {
        lock (gate)
        {
            if (!watchers.TryGetValue(e.MigrationId, out var list)) return;
            foreach (var channel in list)
            {
                channel.Writer.TryWrite(e);
                if (e.Terminal) channel.Writer.TryComplete();
            }
        }
    }

    private void Remove(string migrationId, Channel<MigrationEvent> channel)
    {
        lock (gate)
        {
            if (watchers.TryGetValue(migrationId, out var list) && list.Remove(channel) && list.Count == 0) watchers.Remove(migrationId);
        }
    }

    private sealed class Unsubscribe(MigrationEvents events, string migrationId, Channel<MigrationEvent> channel) : IDisposable
    {
        public void Dispose() => events.Remove(migrationId, channel);
    }
}
