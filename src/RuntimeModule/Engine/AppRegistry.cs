using System.Text.Json;
using Federation.V1;
using Google.Protobuf;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// App records as JSON files on the shared volume, so the Engine and the Ambassador (separate
/// containers) agree on which apps exist and which moved away. Writes go through a rename.
/// </summary>
public sealed class AppRegistry(RuntimeModuleOptions options)
{
    private readonly string directory = options.AppsDirectory;

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
                root.GetProperty("restoredFrom").GetString() ?? "");
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
        Directory.CreateDirectory(directory);
        var json = $$"""
            {"spec":{{JsonFormatter.Default.Format(record.Spec)}},"startMode":"{{record.StartMode}}","checkpointedAway":{{(record.CheckpointedAway ? "true" : "false")}},"restoredFrom":{{JsonSerializer.Serialize(record.RestoredFrom)}}}
            """;
        var path = PathOf(record.Spec.Name);
        var temp = path + ".tmp";
        await File.WriteAllTextAsync(temp, json, ct);
        File.Move(temp, path, overwrite: true);
    }

    public void Delete(string app)
    {
        File.Delete(PathOf(app));
    }

    private string PathOf(string app) => Path.Combine(directory, app + ".json");
}
