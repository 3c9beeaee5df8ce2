using System.Globalization;
using System.Text.Json;
using Federation.V1;
using Google.Protobuf;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// App records as JSON files on the shared volume, so the Engine and the Ambassador (separate
/// containers) agree on which apps exist and which moved away. Writes go through a rename. The fence
/// of a removed app stays behind in <c>&lt;app&gt;.fence</c>, so a runtime never takes back a copy it fenced.
/// </summary>
public sealed class AppRegistry(RuntimeModuleOptions options)
{
    private readonly string directory = options.AppsDirectory;
    private readonly SemaphoreSlim updates = new(1, 1);

    public async Task<AppRecord?> GetAsync(string app, CancellationToken ct)
    {
        var path = PathOf(app);
        if (!File.Exists(path)) return null;
        try
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(path, ct));
            var root = doc.RootElement;
            return new AppRecord(
                JsonParser.Default.Parse<AppSpec>(root.GetProperty("spec").GetRawText()),
                Enum.Parse<StartMode>(root.GetProperty("startMode").GetString()!),
                root.GetProperty("checkpointedAway").GetBoolean(),
                root.GetProperty("restoredFrom").GetString() ?? "",
                // Records written before generations existed have neither: generation 0, never fenced.
                root.TryGetProperty("generation", out var generation) ? generation.GetUInt64() : 0,
                root.TryGetProperty("fencedBelow", out var fenced) ? fenced.GetUInt64() : 0,
                root.TryGetProperty("preparedContainer", out var prepared) ? prepared.GetString() ?? "" : "",
                root.TryGetProperty("failure", out var failure) ? failure.GetString() ?? "" : "");
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<AppRecord>> ListAsync(CancellationToken ct)
    {
        if (!Directory.Exists(directory)) return [];
        var records = new List<AppRecord>();
        foreach (var file in Directory.EnumerateFiles(directory, "*.json"))
        {
            var record = await GetAsync(Path.GetFileNameWithoutExtension(file), ct);
            if (record is not null) records.Add(record);
        }
        return records;
    }

    public async Task PutAsync(AppRecord record, CancellationToken ct)
    {
        await updates.WaitAsync(ct);
        try
        {
            await WriteAsync(record, ct);
        }
        finally
        {
            updates.Release();
        }
    }

    /// <summary>
    /// Reads the app's record (null when there is none), and writes what <paramref name="change"/> makes of it,
    /// with no other write of this Engine in between (so a fence set meanwhile is never overwritten).
    /// </summary>
    public async Task<AppRecord> UpdateAsync(string app, Func<AppRecord?, AppRecord> change, CancellationToken ct)
    {
        await updates.WaitAsync(ct);
        try
        {
            var record = change(await GetAsync(app, ct));
            await WriteAsync(record, ct);
            return record;
        }
        finally
        {
            updates.Release();
        }
    }

    /// <summary>As <see cref="UpdateAsync"/>, for an app that still has a record; an app removed meanwhile stays removed.</summary>
    public async Task UpdateIfPresentAsync(string app, Func<AppRecord, AppRecord> change, CancellationToken ct)
    {
        await updates.WaitAsync(ct);
        try
        {
            if (await GetAsync(app, ct) is { } record) await WriteAsync(change(record), ct);
        }
        finally
        {
            updates.Release();
        }
    }

    /// <summary>Forgets the app; its fence, if it had one, stays (see <see cref="FencedBelowAsync"/>).</summary>
    public async Task DeleteAsync(string app, CancellationToken ct)
    {
        await updates.WaitAsync(ct);
        try
        {
            var record = await GetAsync(app, ct);
            if (record is { FencedBelow: > 0 })
                await WriteAtomicallyAsync(FencePathOf(app), record.FencedBelow.ToString(CultureInfo.InvariantCulture), ct);
            File.Delete(PathOf(app));
        }
        finally
        {
            updates.Release();
        }
    }

    /// <summary>The app's fence: its record's, or the one it left when it was removed; 0 when it was never fenced here.</summary>
    public async Task<ulong> FencedBelowAsync(string app, CancellationToken ct)
    {
        var kept = await KeptFenceAsync(app, ct);
        return Math.Max(kept, (await GetAsync(app, ct))?.FencedBelow ?? 0);
    }

    private async Task<ulong> KeptFenceAsync(string app, CancellationToken ct)
    {
        try
        {
            return ulong.Parse((await File.ReadAllTextAsync(FencePathOf(app), ct)).Trim(), CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }
    }

    private Task WriteAsync(AppRecord record, CancellationToken ct)
    {
        var json = $$"""
            {"spec":{{JsonFormatter.Default.Format(record.Spec)}},"startMode":"{{record.StartMode}}","checkpointedAway":{{(record.CheckpointedAway ? "true" : "false")}},"restoredFrom":{{JsonSerializer.Serialize(record.RestoredFrom)}},"generation":{{record.Generation}},"fencedBelow":{{record.FencedBelow}},"preparedContainer":{{JsonSerializer.Serialize(record.PreparedContainer)}},"failure":{{JsonSerializer.Serialize(record.Failure)}}}
            """;
        return WriteAtomicallyAsync(PathOf(record.Spec.Name), json, ct);
    }

    private async Task WriteAtomicallyAsync(string path, string text, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, text, ct);
        File.Move(temp, path, overwrite: true);
    }

    private string PathOf(string app) => Path.Combine(directory, app + ".json");

    private string FencePathOf(string app) => Path.Combine(directory, app + ".fence");
}
