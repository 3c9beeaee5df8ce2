using System.Collections.Concurrent;
using Federation.Common;

namespace Federation.SyncModule.Receiver;

/// <summary>
/// Open transfers by id. One open transfer per target: a new one supersedes the old (its sender is
/// gone; the partial files stay and the new transfer adopts them). Idle transfers are dropped.
/// </summary>
internal sealed class TransferRegistry(SyncReceiverOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, TransferSession> byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TransferSession> byTarget = new(StringComparer.Ordinal);

    public void Add(TransferSession session)
    {
        List<TransferSession> dropped = [];
        lock (byTarget)
        {
            var now = time.GetUtcNow();
            foreach (var open in byTarget.Values)
                if (now - open.LastActivity > options.IdleTransferTimeout) dropped.Add(open);
            if (byTarget.TryGetValue(session.Manifest.Target, out var previous)) dropped.Add(previous);
            foreach (var old in dropped.Distinct()) RemoveLocked(old);
            byTarget[session.Manifest.Target] = session;
            byId[session.Id] = session;
        }
        foreach (var old in dropped.Distinct()) old.Dispose();
    }

    public TransferSession Get(string? id)
    {
        if (string.IsNullOrEmpty(id) || !byId.TryGetValue(id, out var session))
            throw FederationException.NotFound("the transfer is unknown or has expired; start it again with a new token");
        session.Touch();
        return session;
    }

    public void Remove(TransferSession session)
    {
        lock (byTarget) RemoveLocked(session);
        session.Dispose();
    }

    private void RemoveLocked(TransferSession session)
    {
        byId.TryRemove(session.Id, out _);
        if (byTarget.TryGetValue(session.Manifest.Target, out var current) && ReferenceEquals(current, session))
            byTarget.Remove(session.Manifest.Target);
    }
}
