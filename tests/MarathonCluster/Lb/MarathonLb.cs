using System.Globalization;
using System.Net;
using Federation.Tests.Marathon.Agent;
using Federation.Tests.Marathon.State;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Marathon.Lb;

/// <summary>
/// What marathon-lb does: for every app labelled <c>HAPROXY_GROUP</c>, a TCP frontend on each service port (from
/// portDefinitions or portMappings; the label <c>HAPROXY_{i}_PORT</c> overrides port i) on 127.0.0.1 and on the agent's
/// address, forwarding to the app's running, healthy tasks round robin. It follows the mock's state as it changes.
/// </summary>
public sealed partial class MarathonLb : IAsyncDisposable
{
    private readonly MarathonState state;
    private readonly IPAddress agent;
    private readonly ILogger logger;
    private readonly string? group;
    private readonly Lock gate = new();
    private readonly Dictionary<(string App, int Index), ServicePortListener> frontends = [];
    private bool disposed;

    /// <param name="group">Only apps whose HAPROXY_GROUP is this (marathon-lb's --group); null: any group.</param>
    public MarathonLb(MarathonState state, string agentAddress, ILogger logger, string? group = null)
    {
        this.state = state;
        agent = IPAddress.Parse(agentAddress);
        this.logger = logger;
        this.group = group;
    }

    public void Start()
    {
        state.Changed += Reconcile;
        Reconcile();
    }

    /// <summary>"127.0.0.1:port" of the app's service port <paramref name="portIndex"/>; throws when marathon-lb does not serve it.</summary>
    public string ServiceAddress(string appId, int portIndex)
    {
        lock (gate)
        {
            return frontends.TryGetValue((appId, portIndex), out var frontend)
                ? $"127.0.0.1:{frontend.LoopbackPort}"
                : throw new InvalidOperationException($"marathon-lb serves no port {portIndex} of {appId} (is the app labelled HAPROXY_GROUP and does it have that port?)");
        }
    }

    /// <summary>The service port on the agent's address ("agent:port"), which containers reach too.</summary>
    public string AgentServiceAddress(string appId, int portIndex)
    {
        lock (gate)
        {
            return frontends.TryGetValue((appId, portIndex), out var frontend)
                ? $"{agent}:{frontend.Port}"
                : throw new InvalidOperationException($"marathon-lb serves no port {portIndex} of {appId}");
        }
    }

    private void Reconcile()
    {
        var wanted = new Dictionary<(string, int), int>();
        foreach (var app in state.Apps())
        {
            if (app.Spec.Label("HAPROXY_GROUP") is not { } appGroup || (group is not null && !appGroup.Split(',').Contains(group))) continue;
            for (var i = 0; i < app.Spec.Ports.Count; i++)
            {
                var port = app.Spec.Label($"HAPROXY_{i}_PORT") is { } overridden && int.TryParse(overridden, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p)
                    ? p : app.Spec.Ports[i].ServicePort;
                if (port > 0) wanted[(app.Id, i)] = port;
            }
        }
        var closing = new List<ServicePortListener>();
        lock (gate)
        {
            if (disposed) return;
            foreach (var (key, frontend) in frontends.ToList())
            {
                if (wanted.TryGetValue(key, out var port) && port == frontend.Port) continue;
                frontends.Remove(key);
                closing.Add(frontend);
            }
        }
        foreach (var frontend in closing) _ = frontend.DisposeAsync().AsTask();
        lock (gate)
        {
            foreach (var ((appId, index), port) in wanted)
            {
                if (disposed || frontends.ContainsKey((appId, index))) continue;
                var name = $"{appId}:{index}";
                var opened = ServicePortListener.Open(agent, port, name, () => Backends(appId, index), logger);
                if (opened is null)
                {
                    LogCannotListen(logger, name, port);
                    continue;
                }
                frontends[(appId, index)] = opened;
                LogListening(logger, name, port, opened.LoopbackPort);
            }
        }
    }

    /// <summary>The app's tasks that run and pass their health checks now, where port <paramref name="index"/> reaches them.</summary>
    private IReadOnlyList<(string, int)> Backends(string appId, int index)
    {
        var app = state.Apps().FirstOrDefault(a => a.Id == appId);
        if (app is null) return [];
        var checks = app.Spec.HealthChecks.Count;
        return state.Tasks(appId)
            .Where(t => !t.KillRequested && t.Healthy(checks))
            .Select(t => TaskEndpoints.Of(app.Spec, t, index))
            .Where(e => e.Port is not null)
            .Select(e => (e.Host, e.Port!.Value))
            .ToList();
    }

    public async ValueTask DisposeAsync()
    {
        state.Changed -= Reconcile;
        List<ServicePortListener> all;
        lock (gate)
        {
            disposed = true;
            all = [.. frontends.Values];
            frontends.Clear();
        }
        foreach (var frontend in all) await frontend.DisposeAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "marathon-lb: {Service} on service port {Port} (127.0.0.1:{Loopback})")]
    private static partial void LogListening(ILogger logger, string service, int port, int loopback);

    [LoggerMessage(Level = LogLevel.Error, Message = "marathon-lb: {Service} cannot listen on service port {Port}")]
    private static partial void LogCannotListen(ILogger logger, string service, int port);
}
