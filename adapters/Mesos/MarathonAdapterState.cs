using System.Text.Json;

namespace Federation.Adapters.Mesos;

/// <summary>
/// What Marathon cannot be told without restarting a runtime: which passive-target apps were promoted (app id -> the task
/// that was restored). A label change is a new app version, and Marathon replaces the tasks of a new version, so a
/// promote writes here instead of PUTting labels; once Marathon has replaced that task anyway (it died: its memory is
/// gone), the adapter PUTs the active definition. Kept in a JSON file beside the journal.
/// </summary>
public sealed class MarathonAdapterState(string path)
{
    private readonly Lock sync = new();

    public string? PromotedTask(string appId)
    {
        lock (sync) return Load().GetValueOrDefault(appId);
    }

    public void Promote(string appId, string taskId)
    {
        lock (sync)
        {
            var promoted = Load();
            promoted[appId] = taskId;
            Save(promoted);
        }
    }

    public void Forget(string appId)
    {
        lock (sync)
        {
            var promoted = Load();
            if (promoted.Remove(appId)) Save(promoted);
        }
    }

    private Dictionary<string, string> Load()
    {
        if (!File.Exists(path)) return new Dictionary<string, string>(StringComparer.Ordinal);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? new Dictionary<string, string>(StringComparer.Ordinal);
    }

    private void Save(Dictionary<string, string> promoted)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(promoted));
        File.Move(temporary, path, overwrite: true);
    }
}
