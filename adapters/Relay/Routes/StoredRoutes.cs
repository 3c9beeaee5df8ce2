using System.Text.Json;

namespace Federation.Adapters.Relay.Routes;

/// <summary>
/// The relay's routes on disk (route -> app port -> stable port and backend), so that a relay that restarts
/// listens on the same ports and forwards where it forwarded. Rewritten through a temporary file and a rename
/// on every change, before the listeners move.
/// </summary>
public sealed class StoredRoutes(string path)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public sealed record Port(int ListenPort, string Backend);

    public Dictionary<string, Dictionary<int, Port>> Load()
    {
        if (!File.Exists(path)) return new(StringComparer.Ordinal);
        try
        {
            var routes = JsonSerializer.Deserialize<Dictionary<string, Dictionary<int, Port>>>(File.ReadAllText(path), Json);
            return new(routes ?? [], StringComparer.Ordinal);
        }
        catch (JsonException e)
        {
            throw FederationException.FailedPrecondition($"relay routes file {path} is not readable JSON: {e.Message}");
        }
    }

    public void Save(IReadOnlyDictionary<string, Dictionary<int, Port>> routes)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(routes, Json));
        File.Move(temporary, path, overwrite: true);
    }
}
