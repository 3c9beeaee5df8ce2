using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Federation.Tests.Kube.Resources;
using Federation.Tests.Kube.Selectors;
using Federation.Tests.Kube.Store;
using Microsoft.AspNetCore.Http;

namespace Federation.Tests.Kube.Http;

/// <summary>
/// A watch as the real server streams it: chunked JSON lines {"type":...,"object":...}; events after the given
/// resourceVersion only, in order (without one, the current objects first as ADDED); selectors turn changes into
/// ADDED or DELETED when an object starts or stops matching; a too old resourceVersion answers an ERROR event
/// with a 410 Expired Status; BOOKMARKs when allowed; timeoutSeconds ends the stream.
/// </summary>
public sealed class WatchStreamer(ObjectStore store, KubeApiServerOptions options)
{
    public async Task StreamAsync(HttpContext http, ApiTarget target, LabelSelector labels, FieldSelector fields, CancellationToken serverStopping)
    {
        var query = http.Request.Query;
        var kind = target.Kind;
        var versionText = query["resourceVersion"].ToString();
        long? from = null;
        if (versionText.Length > 0 && versionText != "0")
        {
            if (!long.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                throw KubeStatusException.BadRequest($"invalid resource version: strconv.ParseUint: parsing \"{versionText}\": invalid syntax");
            }
            from = parsed;
        }
        var bookmarks = query["allowWatchBookmarks"] == "true";
        var initialEvents = query["sendInitialEvents"] == "true";
        if (initialEvents)
        {
            from = null;
        }
        var timeout = options.DefaultWatchTimeout;
        if (query["timeoutSeconds"].ToString() is { Length: > 0 } timeoutText)
        {
            if (!int.TryParse(timeoutText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                throw KubeStatusException.BadRequest($"invalid timeoutSeconds: {timeoutText}");
            }
            timeout = TimeSpan.FromSeconds(seconds);
        }

        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        WatchSubscription subscription;
        List<JsonObject> initial;
        long start;
        try
        {
            subscription = store.Watch(kind, target.Namespace, from, out initial, out start);
        }
        catch (KubeStatusException expired) when (expired.Code == 410)
        {
            await WriteAsync(http, "ERROR", expired.ToStatus(), http.RequestAborted).ConfigureAwait(false);
            return;
        }
        using var _ = subscription;
        using var ends = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, subscription.Closed, serverStopping);
        ends.CancelAfter(timeout);
        try
        {
            await http.Response.StartAsync(ends.Token).ConfigureAwait(false);
            await http.Response.Body.FlushAsync(ends.Token).ConfigureAwait(false);
            foreach (var item in initial.Where(i => labels.Matches(Labels(i)) && fields.Matches(i)))
            {
                await WriteAsync(http, "ADDED", item, ends.Token).ConfigureAwait(false);
            }
            if (initialEvents && bookmarks)
            {
                await WriteAsync(http, "BOOKMARK", Bookmark(kind, start, initialEventsEnd: true), ends.Token).ConfigureAwait(false);
            }
            await foreach (var change in subscription.Events.ReadAllAsync(ends.Token).ConfigureAwait(false))
            {
                if (change.Type == "BOOKMARK")
                {
                    if (bookmarks)
                    {
                        await WriteAsync(http, "BOOKMARK", Bookmark(kind, change.Revision, initialEventsEnd: false), ends.Token).ConfigureAwait(false);
                    }
                    continue;
                }
                if (Translate(change, labels, fields) is { } translated)
                {
                    await WriteAsync(http, translated.Type, translated.Object, ends.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (IOException)
        {
        }
    }

    /// <summary>What a watcher with these selectors sees of a change, or null.</summary>
    private static (string Type, JsonObject Object)? Translate(StoredEvent change, LabelSelector labels, FieldSelector fields)
    {
        bool Matches(JsonObject? item) => item is not null && labels.Matches(Labels(item)) && fields.Matches(item);
        var now = Matches(change.Object);
        var before = change.Type != "ADDED" && Matches(change.Previous);
        switch (change.Type)
        {
            case "ADDED":
                return now ? ("ADDED", change.Object!) : null;
            case "DELETED":
                return before || now ? ("DELETED", change.Object!) : null;
            default:
                if (now && before)
                {
                    return ("MODIFIED", change.Object!);
                }
                if (now)
                {
                    return ("ADDED", change.Object!);
                }
                if (before)
                {
                    var gone = change.Previous!.DeepClone().AsObject();
                    gone["metadata"]!["resourceVersion"] = change.Revision.ToString(CultureInfo.InvariantCulture);
                    return ("DELETED", gone);
                }
                return null;
        }
    }

    private static Dictionary<string, string> Labels(JsonObject item) =>
        (item["metadata"]?["labels"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "");

    private static JsonObject Bookmark(ResourceKind kind, long revision, bool initialEventsEnd)
    {
        var metadata = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }
        return new JsonObject { ["kind"] = kind.Kind, ["apiVersion"] = kind.ApiVersion, ["metadata"] = metadata };
    }

    private static async Task WriteAsync(HttpContext http, string type, JsonObject item, CancellationToken cancellationToken)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = item.DeepClone() }.ToJsonString() + "\n";
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken).ConfigureAwait(false);
        await http.Response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}
