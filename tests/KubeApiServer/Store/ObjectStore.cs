using System.Globalization;
using System.Text.Json.Nodes;
using Federation.Tests.Kube.Http;
using Federation.Tests.Kube.Resources;

namespace Federation.Tests.Kube.Store;

/// <summary>
/// The server's etcd: objects by resource, namespace and name; one global revision that every write increases
/// (it becomes the object's metadata.resourceVersion); a bounded history of changes for watches that resume from
/// an older revision (older than the history: 410 Gone, reason Expired); and the open watches.
/// </summary>
public sealed class ObjectStore(int historyWindow)
{
    private readonly Lock gate = new();
    private readonly Dictionary<(string Resource, string Namespace, string Name), JsonObject> objects = [];
    private readonly LinkedList<StoredEvent> history = new();
    private readonly List<WatchSubscription> watches = [];
    private long revision = 1;
    private long compacted = 1;

    public long Revision
    {
        get
        {
            lock (gate)
            {
                return revision;
            }
        }
    }

    public JsonObject? Get(ResourceKind kind, string ns, string name)
    {
        lock (gate)
        {
            return objects.TryGetValue((kind.GroupResource, ns, name), out var found) ? found.DeepClone().AsObject() : null;
        }
    }

    /// <summary>The kind's objects (in one namespace, or all when <paramref name="ns"/> is null) and the revision they are current at.</summary>
    public (List<JsonObject> Items, long Revision) List(ResourceKind kind, string? ns)
    {
        lock (gate)
        {
            var items = objects
                .Where(o => o.Key.Resource == kind.GroupResource && (ns is null || o.Key.Namespace == ns))
                .OrderBy(o => o.Key.Namespace, StringComparer.Ordinal).ThenBy(o => o.Key.Name, StringComparer.Ordinal)
                .Select(o => o.Value.DeepClone().AsObject())
                .ToList();
            return (items, revision);
        }
    }

    public bool Exists(ResourceKind kind, string ns, string name)
    {
        lock (gate)
        {
            return objects.ContainsKey((kind.GroupResource, ns, name));
        }
    }

    public JsonObject Create(ResourceKind kind, JsonObject item)
    {
        var (ns, name) = Identity(item);
        lock (gate)
        {
            if (objects.ContainsKey((kind.GroupResource, ns, name)))
            {
                throw KubeStatusException.AlreadyExists(kind, name);
            }
            Stamp(item, ++revision);
            objects[(kind.GroupResource, ns, name)] = item;
            Record(new StoredEvent(revision, "ADDED", kind.GroupResource, ns, name, item.DeepClone().AsObject(), null));
            return item.DeepClone().AsObject();
        }
    }

    /// <summary>Replaces the object when its stored resourceVersion is still <paramref name="expectedVersion"/> (any when null): 409 Conflict otherwise.</summary>
    public JsonObject Update(ResourceKind kind, JsonObject item, string? expectedVersion)
    {
        var (ns, name) = Identity(item);
        lock (gate)
        {
            if (!objects.TryGetValue((kind.GroupResource, ns, name), out var current))
            {
                throw KubeStatusException.NotFound(kind.GroupResource, name, kind.Group);
            }
            if (expectedVersion is not null && VersionOf(current) != expectedVersion)
            {
                throw KubeStatusException.Conflict(kind, name);
            }
            Stamp(item, ++revision);
            objects[(kind.GroupResource, ns, name)] = item;
            Record(new StoredEvent(revision, "MODIFIED", kind.GroupResource, ns, name, item.DeepClone().AsObject(), current));
            return item.DeepClone().AsObject();
        }
    }

    /// <summary>Removes the object when its resourceVersion (and uid) still match; returns it at the deletion's revision.</summary>
    public JsonObject Delete(ResourceKind kind, string ns, string name, string? expectedVersion, string? expectedUid)
    {
        lock (gate)
        {
            if (!objects.TryGetValue((kind.GroupResource, ns, name), out var current))
            {
                throw KubeStatusException.NotFound(kind.GroupResource, name, kind.Group);
            }
            if (expectedVersion is not null && VersionOf(current) != expectedVersion)
            {
                throw KubeStatusException.Conflict(kind, name, $"the ResourceVersion in the precondition ({expectedVersion}) does not match the ResourceVersion in record ({VersionOf(current)}). The object might have been modified");
            }
            if (expectedUid is not null && current["metadata"]?["uid"]?.GetValue<string>() != expectedUid)
            {
                throw KubeStatusException.Conflict(kind, name, $"the UID in the precondition ({expectedUid}) does not match the UID in record ({current["metadata"]?["uid"]}). The object might have been deleted and then recreated");
            }
            objects.Remove((kind.GroupResource, ns, name));
            var gone = current.DeepClone().AsObject();
            Stamp(gone, ++revision);
            Record(new StoredEvent(revision, "DELETED", kind.GroupResource, ns, name, gone.DeepClone().AsObject(), current));
            return gone;
        }
    }

    /// <summary>
    /// Opens a watch from <paramref name="fromRevision"/>: the kept events after it are delivered first, then every
    /// new one. With <paramref name="initial"/> the current objects come first as ADDED (the "most recent" start).
    /// </summary>
    public WatchSubscription Watch(ResourceKind kind, string? ns, long? fromRevision, out List<JsonObject> initial, out long startRevision)
    {
        lock (gate)
        {
            if (fromRevision is { } from && from < compacted)
            {
                throw KubeStatusException.Expired($"too old resource version: {from} ({compacted})");
            }
            var subscription = new WatchSubscription(kind.GroupResource, ns, Unregister);
            initial = [];
            if (fromRevision is null)
            {
                initial = objects
                    .Where(o => o.Key.Resource == kind.GroupResource && (ns is null || o.Key.Namespace == ns))
                    .OrderBy(o => o.Key.Namespace, StringComparer.Ordinal).ThenBy(o => o.Key.Name, StringComparer.Ordinal)
                    .Select(o => o.Value.DeepClone().AsObject())
                    .ToList();
            }
            else
            {
                foreach (var change in history.Where(e => e.Revision > fromRevision && subscription.Wants(e)))
                {
                    subscription.Deliver(change);
                }
            }
            startRevision = revision;
            watches.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Forgets every kept event: a watch from an older revision than now gets 410 Gone.</summary>
    public void Compact()
    {
        lock (gate)
        {
            history.Clear();
            compacted = revision;
        }
    }

    /// <summary>Closes every open watch mid-stream.</summary>
    public void CloseWatches()
    {
        List<WatchSubscription> open;
        lock (gate)
        {
            open = [.. watches];
        }
        foreach (var watch in open)
        {
            watch.Close();
        }
    }

    /// <summary>Sends a BOOKMARK at the current revision to every open watch.</summary>
    public void Bookmark()
    {
        lock (gate)
        {
            foreach (var watch in watches)
            {
                watch.Deliver(StoredEvent.Bookmark(revision));
            }
        }
    }

    public int OpenWatches
    {
        get
        {
            lock (gate)
            {
                return watches.Count;
            }
        }
    }

    public static string VersionOf(JsonObject item) => item["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "";

    private static (string Namespace, string Name) Identity(JsonObject item) =>
        (item["metadata"]?["namespace"]?.GetValue<string>() ?? "", item["metadata"]!["name"]!.GetValue<string>());

    private static void Stamp(JsonObject item, long at) =>
        item["metadata"]!["resourceVersion"] = at.ToString(CultureInfo.InvariantCulture);

    private void Record(StoredEvent change)
    {
        history.AddLast(change);
        while (history.Count > historyWindow)
        {
            compacted = history.First!.Value.Revision;
            history.RemoveFirst();
        }
        foreach (var watch in watches)
        {
            if (watch.Wants(change))
            {
                watch.Deliver(change);
            }
        }
    }

    private void Unregister(WatchSubscription subscription)
    {
        lock (gate)
        {
            watches.Remove(subscription);
        }
    }
}
