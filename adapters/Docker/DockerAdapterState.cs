using System.Text.Json;

namespace Federation.Adapters.Docker;

/// <summary>
/// What Docker itself does not keep for the adapter: each workload's role (and, for a workload that
/// came from elsewhere, its home cluster with the stable address held there), its spec and host ports
/// (on 127.0.0.1 and on the runtimes' network gateway), so that a stopped runtime is still reported at its app
/// endpoints and a recreated one gets the same.
/// A JSON file, rewritten atomically on every change. The stable addresses this cluster holds are the
/// relay's (<see cref="RelayContainer"/>, which persists them itself); <see cref="Routes"/> are those an
/// earlier version kept here, read once so that the relay takes them over.
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

    /// <summary>Every workload entry, by "namespace/name".</summary>
    public IReadOnlyDictionary<string, WorkloadEntry> Workloads()
    {
        lock (gate) return new Dictionary<string, WorkloadEntry>(state.Workloads);
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

    /// <summary>Forgets a route an earlier version kept here, once the relay has it.</summary>
    public void RemoveRoute(string workload)
    {
        lock (gate)
        {
            if (state.Routes.Remove(workload)) Write();
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
    /// <param name="Ports">The runtime's ports as published on 127.0.0.1 (runtime port -> host port), reused when it is recreated.</param>
    /// <param name="Gateway">The gateway address of the runtimes' network its ports are published on as well (null: an earlier version's runtime, published on 127.0.0.1 only).</param>
    /// <param name="GatewayPorts">Its ports as published on <paramref name="Gateway"/> (runtime port -> host port), reused when it is recreated: its app endpoints.</param>
    /// <param name="WarmRuntime">The warm runtime (<see cref="WarmRuntimePool"/>) this workload adopted: the name its containers' labels and volume carry.</param>
    public sealed record WorkloadEntry(WorkloadRole Role, string? MigrationId, string Image, string? HomeCluster = null, string? HomeAddress = null,
        string? Spec = null, Dictionary<int, int>? Ports = null, string? Gateway = null, Dictionary<int, int>? GatewayPorts = null, string? WarmRuntime = null);

    /// <summary>Container port -> the stable listening port and where it forwarded (the routes of an earlier version, whose relays lived in the coordinator).</summary>
    public sealed record RouteEntry(Dictionary<int, RoutePort> Ports);

    public sealed record RoutePort(int ListenPort, string Backend);
}
