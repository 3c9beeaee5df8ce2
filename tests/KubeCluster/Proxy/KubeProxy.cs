using System.Net;
using Federation.Tests.Harness;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federation.Tests.Kube;

/// <summary>
/// The test cluster's kube-proxy: every TCP port of every Service is served on the node IP at the Service's nodePort (a
/// free port is allocated when a Service has none; NodePort and LoadBalancer Services get it written back to
/// spec.ports[].nodePort, as the real API server would have allocated it), and on 127.0.0.1 for this host's tests
/// (<see cref="ServiceAddress"/>: the node port, or a free port when another test cluster's node already has that one on
/// 127.0.0.1), forwarding to the Service's current endpoints. Endpoints changes apply to new connections as soon as the
/// watch brings them.
/// </summary>
public sealed partial class KubeProxy : IAsyncDisposable
{
    private readonly IKubernetes client;
    private readonly IPAddress nodeIp;
    private readonly ILogger logger;
    private readonly KubeInformer<V1Service, V1ServiceList> services;
    private readonly KubeInformer<V1Endpoints, V1EndpointsList> endpoints;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly CancellationTokenSource stop = new();
    /// <summary>"ns/name" -> service port number -> its forwarder.</summary>
    private readonly Dictionary<string, Dictionary<int, (V1ServicePort Port, PortForwarder Forwarder)>> served = new();
    private readonly List<Task> tasks = new();
    private readonly ChangeSignal changed = new();

    public KubeProxy(IKubernetes client, string nodeIp, ILogger? logger = null)
    {
        this.client = client;
        this.nodeIp = IPAddress.Parse(nodeIp);
        this.logger = logger ?? NullLogger.Instance;
        services = new KubeInformer<V1Service, V1ServiceList>("services", ct => client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: ct),
            (rv, e, ct) => client.CoreV1.WatchListServiceForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, onError: e, cancellationToken: ct), this.logger)
        {
            OnUpsert = ServeAsync,
            OnDelete = StopServingAsync,
        };
        endpoints = new KubeInformer<V1Endpoints, V1EndpointsList>("endpoints", ct => client.CoreV1.ListEndpointsForAllNamespacesAsync(cancellationToken: ct),
            (rv, e, ct) => client.CoreV1.WatchListEndpointsForAllNamespacesAsync(allowWatchBookmarks: true, resourceVersion: rv, onError: e, cancellationToken: ct), this.logger)
        {
            OnUpsert = (ep, ct) => RetargetAsync(Key(ep.Metadata), ct),
            OnDelete = (ep, ct) => RetargetAsync(Key(ep.Metadata), ct),
        };
    }

    public async Task StartAsync(CancellationToken ct)
    {
        tasks.Add(Task.Run(() => endpoints.RunAsync(stop.Token), CancellationToken.None));
        await endpoints.Synced.WaitAsync(ct);
        tasks.Add(Task.Run(() => services.RunAsync(stop.Token), CancellationToken.None));
        await services.Synced.WaitAsync(ct);
    }

    /// <summary>Where a Service port is reached from this host: <c>127.0.0.1:nodePort</c>.</summary>
    /// <exception cref="InvalidOperationException">The proxy does not serve that port (yet).</exception>
    public string ServiceAddress(string ns, string name, int port) => $"127.0.0.1:{Forwarder(ns, name, port).LoopbackPort}";

    /// <summary>Where pods reach a Service port: <c>{nodeIp}:nodePort</c>.</summary>
    public string NodeAddress(string ns, string name, int port) => $"{nodeIp}:{Forwarder(ns, name, port).NodePort}";

    /// <summary>The endpoints new connections to a Service port go to now.</summary>
    public IReadOnlyList<IPEndPoint> TargetsOf(string ns, string name, int port) => Forwarder(ns, name, port).Targets;

    /// <summary>Waits until the proxy serves the Service port (bounded by <paramref name="ct"/>), then <see cref="ServiceAddress"/>.</summary>
    public async Task<string> WaitForServiceAsync(string ns, string name, int port, CancellationToken ct)
    {
        while (true)
        {
            var next = changed.Next;
            lock (served)
            {
                if (served.TryGetValue($"{ns}/{name}", out var ports) && ports.TryGetValue(port, out var p)) return $"127.0.0.1:{p.Forwarder.LoopbackPort}";
            }
            await next.WaitAsync(ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try { await Task.WhenAll(tasks); }
        catch (OperationCanceledException) { }
        List<PortForwarder> all;
        lock (served)
        {
            all = served.Values.SelectMany(p => p.Values).Select(p => p.Forwarder).ToList();
            served.Clear();
        }
        foreach (var forwarder in all) await forwarder.DisposeAsync();
        stop.Dispose();
    }

    private PortForwarder Forwarder(string ns, string name, int port)
    {
        lock (served)
        {
            return served.TryGetValue($"{ns}/{name}", out var ports) && ports.TryGetValue(port, out var p)
                ? p.Forwarder
                : throw new InvalidOperationException($"kube-proxy does not serve port {port} of service {ns}/{name}");
        }
    }

    private async Task ServeAsync(V1Service service, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var key = Key(service.Metadata);
            Dictionary<int, (V1ServicePort Port, PortForwarder Forwarder)> ports;
            lock (served) ports = served.TryGetValue(key, out var known) ? known : served[key] = new();
            var wanted = (service.Spec.Ports ?? []).Where(p => (p.Protocol ?? "TCP") == "TCP").ToList();
            foreach (var stale in ports.Where(p => wanted.All(w => w.Port != p.Key || (w.NodePort is > 0 && w.NodePort != p.Value.Port.NodePort && w.NodePort != p.Value.Forwarder.NodePort))).ToList())
            {
                lock (served) ports.Remove(stale.Key);
                await stale.Value.Forwarder.DisposeAsync();
            }
            var allocated = false;
            foreach (var port in wanted)
            {
                if (ports.TryGetValue(port.Port, out var existing))
                {
                    lock (served) ports[port.Port] = (port, existing.Forwarder);
                    continue;
                }
                var forwarder = PortForwarder.Open(nodeIp, port.NodePort ?? 0, key, logger);
                if (forwarder is null && port.NodePort is > 0)
                {
                    // Another cluster on this host (or another run) has that port on 127.0.0.1: serve on a free one.
                    LogPortTaken(logger, key, port.Port, port.NodePort.Value);
                    forwarder = PortForwarder.Open(nodeIp, 0, key, logger);
                }
                if (forwarder is null)
                {
                    LogNoPort(logger, key, port.Port);
                    continue;
                }
                lock (served) ports[port.Port] = (port, forwarder);
                allocated |= port.NodePort is null or 0;
                LogServing(logger, key, port.Port, forwarder.NodePort);
            }
            Retarget(key);
            if (allocated && service.Spec.Type is "NodePort" or "LoadBalancer") await WriteNodePortsAsync(service, ports, ct);
            changed.Notify();
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Writes the allocated node ports into the Service, as the API server would have; a conflict is settled by the next event.</summary>
    private async Task WriteNodePortsAsync(V1Service service, Dictionary<int, (V1ServicePort Port, PortForwarder Forwarder)> ports, CancellationToken ct)
    {
        foreach (var port in service.Spec.Ports ?? [])
            if (ports.TryGetValue(port.Port, out var p)) port.NodePort = p.Forwarder.NodePort;
        try { await client.CoreV1.ReplaceNamespacedServiceAsync(service, service.Metadata.Name, service.Metadata.NamespaceProperty, cancellationToken: ct); }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity)
        {
            LogNodePortNotWritten(logger, Key(service.Metadata), (int)e.Response.StatusCode);
        }
    }

    private async Task StopServingAsync(V1Service service, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            Dictionary<int, (V1ServicePort Port, PortForwarder Forwarder)>? ports;
            lock (served)
            {
                if (!served.Remove(Key(service.Metadata), out ports)) return;
            }
            foreach (var p in ports.Values) await p.Forwarder.DisposeAsync();
            changed.Notify();
        }
        finally
        {
            gate.Release();
        }
    }

    private Task RetargetAsync(string key, CancellationToken ct)
    {
        Retarget(key);
        changed.Notify();
        return Task.CompletedTask;
    }

    /// <summary>Points the Service's forwarders at its endpoints as the watch knows them now.</summary>
    private void Retarget(string key)
    {
        var ep = endpoints.Snapshot().FirstOrDefault(e => Key(e.Metadata) == key);
        lock (served)
        {
            if (!served.TryGetValue(key, out var ports)) return;
            foreach (var (port, forwarder) in ports.Values)
            {
                var targets = new List<IPEndPoint>();
                foreach (var subset in ep?.Subsets ?? [])
                {
                    var ports2 = subset.Ports ?? [];
                    var match = ports2.FirstOrDefault(p => p.Name == port.Name || (ports2.Count == 1 && string.IsNullOrEmpty(port.Name)));
                    if (match is null || (match.Protocol ?? "TCP") != "TCP") continue;
                    foreach (var address in subset.Addresses ?? [])
                        if (IPAddress.TryParse(address.Ip, out var ip)) targets.Add(new IPEndPoint(ip, match.Port));
                }
                forwarder.SetTargets(targets);
            }
        }
    }

    private static string Key(V1ObjectMeta meta) => $"{meta.NamespaceProperty}/{meta.Name}";

    [LoggerMessage(Level = LogLevel.Information, Message = "service {Service}: port {Port} served at node port {NodePort}")]
    private static partial void LogServing(ILogger logger, string service, int port, int nodePort);

    [LoggerMessage(Level = LogLevel.Warning, Message = "service {Service}: node port {NodePort} of port {Port} is taken on this host, serving it on a free port (see ServiceAddress)")]
    private static partial void LogPortTaken(ILogger logger, string service, int port, int nodePort);

    [LoggerMessage(Level = LogLevel.Error, Message = "service {Service}: port {Port} cannot be served, no free port")]
    private static partial void LogNoPort(ILogger logger, string service, int port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "service {Service}: node ports not written back ({Status})")]
    private static partial void LogNodePortNotWritten(ILogger logger, string service, int status);
}
