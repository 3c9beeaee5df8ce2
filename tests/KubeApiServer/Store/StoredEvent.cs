using System.Text.Json.Nodes;

namespace Federation.Tests.Kube.Store;

/// <summary>
/// One change at one revision (ADDED, MODIFIED, DELETED), with the object after it and, for a modification or
/// a deletion, the object before it (watches with selectors turn changes into ADDED or DELETED with it).
/// A BOOKMARK carries only a revision.
/// </summary>
public sealed record StoredEvent(long Revision, string Type, string Resource, string Namespace, string Name, JsonObject? Object, JsonObject? Previous)
{
    public static StoredEvent Bookmark(long revision) => new(revision, "BOOKMARK", "", "", "", null, null);
}
