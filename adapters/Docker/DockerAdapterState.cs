using System.Text.Json;

namespace Federation.Adapters.Docker;

/// <summary>
/// What Docker itself does not keep for the adapter: each workload's role (and, for a workload that
/// came from elsewhere, its home cluster with the stable address held there), and each stable
/// address this cluster holds, with its backends (in this cluster or wherever the workload moved). A JSON file, rewritten atomically on every change, read back at start so the
/// stable addresses come back on the same ports after a restart.
/// </summary>
public sealed class DockerAdapterState
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private readonly string path;
    private readonly Lock gate = new();
    private readonly StateFile state;

    public DockerAdapterState(string path)
    {
        this.path = path;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        state = File.Exists(path) ? JsonSerializer.Deserialize<StateFile>(File.ReadAllText(path), Json) ?? new StateFile() : new StateFile();
    }

    public WorkloadEntry? Workload(WorkloadId id)
    {
        lock (gate) return state.Workloads.GetValueOrDefault(id.ToString());
    }

    public void PutWorkload(WorkloadId id, WorkloadEntry entry)
    {
        lock (gate)
        {
            state.Workloads[id.ToString()] = entry;
            Write();
        }
    }

    public void RemoveWorkload(WorkloadId id)
    {
        lock (gate)
        {
            if (state.Workloads.Remove(id.ToString())) Write();
        }
    }

    public IReadOnlyDictionary<string, RouteEntry> Routes()
    {
        lock (gate) return new Dictionary<string, RouteEntry>(state.Routes);
    }

    public RouteEntry? Route(WorkloadId id)
    {
        lock (gate) return state.Routes.GetValueOrDefault(id.ToString());
    }

    public void PutRoute(WorkloadId id, RouteEntry route)
    {
        lock (gate)
        {
            state.Routes[id.ToString()] = route;
            Write();
        }
    }

    public void RemoveRoute(WorkloadId id)
    {
        lock (gate)
        {
            if (state.Routes.Remove(id.ToString())) Write();
        }
    }

    private void Write()
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(state, Json));
        File.Move(temporary, path, overwrite: true);
    }

    public sealed class StateFile
    {
        public Dictionary<string, WorkloadEntry> Workloads { get; set; } = [];
        public Dictionary<string, RouteEntry> Routes { get; set; } = [];
    }

    /// <param name="HomeCluster">The cluster that holds the workload's stable address; null when this one does.</param>
    /// <param name="HomeAddress">That stable address.</param>
    /// <param name="Spec">The app spec (protobuf JSON), so a runtime that died can be recreated.</param>
    /// <param name="Ports">The runtime's published ports (runtime port -> host port), reused when it is recreated.</param>
    public sealed record WorkloadEntry(WorkloadRole Role, string? MigrationId, string Image, string? HomeCluster = null, string? HomeAddress = null,
        string? Spec = null, Dictionary<int, int>? Ports = null);

    /// <summary>Container port -> the stable listening port and where it forwards now.</summary>
    public sealed record RouteEntry(Dictionary<int, RoutePort> Ports);

    public sealed record RoutePort(int ListenPort, string Backend);
}
