using System.Text.Json.Nodes;
using Federation.Tests.Harness;
using Federation.Tests.Marathon.Faults;
using Federation.Tests.Marathon.Http;
using Federation.Tests.Marathon.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federation.Tests.Marathon;

/// <summary>
/// An in-process Marathon for tests: Kestrel on 127.0.0.1 (port 0, plain HTTP), the v2 REST paths with the documented shapes
/// (../shared/fixtures/marathon), strict validation, deployments that lock apps until their tasks run healthy, rollback. It runs no tasks itself:
/// an agent (MesosAgent of the MarathonCluster project) reads <see cref="State"/> and writes the tasks back.
/// Test hooks: <see cref="FailNext"/>, <see cref="Hang"/>, <see cref="StopAsync"/>, the <see cref="Requests"/> log and <see cref="Apps"/>.
/// </summary>
public sealed class MockMarathon : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly MarathonEndpoint endpoint;
    private readonly FaultInjector faults;
    private bool stopped;

    private MockMarathon(WebApplication app, MarathonEndpoint endpoint, MarathonState state, FaultInjector faults)
    {
        this.app = app;
        this.endpoint = endpoint;
        State = state;
        this.faults = faults;
    }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Apps, tasks and deployments: what an agent runs and reports into.</summary>
    public MarathonState State { get; }

    /// <summary>The Mesos agent (and master) this mock also answers for: its resources and its executors' statistics.</summary>
    public Mesos.MesosAgentState Mesos => endpoint.Mesos;

    /// <summary>Every request so far: method, path with query, body, status.</summary>
    public IReadOnlyList<RecordedRequest> Requests => endpoint.Requests;

    /// <summary>The apps now, as <c>GET /v2/apps/{id}</c> shows them (tasks embedded), by id.</summary>
    public IReadOnlyDictionary<string, JsonObject> Apps => State.Apps().ToDictionary(a => a.Id, a => State.AppJson(a, embedTasks: true));

    public static async Task<MockMarathon> StartAsync(MockMarathonOptions options, CancellationToken cancellationToken, ILoggerFactory? loggers = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if ((options.Username is null) != (options.Password is null))
            throw new ArgumentException("basic credentials need both Username and Password", nameof(options));
        var state = new MarathonState();
        var faults = new FaultInjector();
        var endpoint = new MarathonEndpoint(state, faults, options, (loggers ?? NullLoggerFactory.Instance).CreateLogger<MarathonEndpoint>());
        var app = LoopbackWebServer.Create(8 * 1024 * 1024, listen => listen.Protocols = HttpProtocols.Http1, endpoint.HandleAsync);
        var server = new MockMarathon(app, endpoint, state, faults);
        var port = await LoopbackWebServer.StartAsync(app, cancellationToken).ConfigureAwait(false);
        server.BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        endpoint.Leader = $"127.0.0.1:{port}";
        return server;
    }

    /// <summary>
    /// The next request with this method ("GET", ... or "*") whose path (with query) starts with <paramref name="pathPrefix"/>
    /// answers <paramref name="statusCode"/> with a real-shaped body: 401, 403, 404 (app does not exist), 409 (locked by a
    /// deployment), 422 (Object is not valid), 500, 503 (no leader) as Marathon's JSON; 502 and 504 as the proxy's HTML page.
    /// </summary>
    public void FailNext(string method, string pathPrefix, int statusCode) => faults.FailNext(method, pathPrefix, statusCode);

    /// <summary>The next matching request hangs until the client gives up, <see cref="ReleaseHangs"/>, or <paramref name="limit"/> passes (then 503).</summary>
    public void Hang(string method, string pathPrefix, TimeSpan limit) => faults.Hang(method, pathPrefix, limit);

    public void ReleaseHangs() => faults.ReleaseHangs();

    /// <summary>Stops listening: clients get connection refused from now on. The state stays readable.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (stopped) return;
        stopped = true;
        faults.ReleaseHangs();
        await LoopbackWebServer.StopAsync(app, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }
}
