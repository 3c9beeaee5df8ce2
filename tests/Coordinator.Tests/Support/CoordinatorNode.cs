using Microsoft.AspNetCore.Builder;
using Federation.Adapters;
using Federation.Adapters.Docker;
using Federation.Common.Auth;
using Federation.Coordinator.Auth;
using Federation.Coordinator.Hosting;
using Federation.Coordinator.Saga;
using Microsoft.Extensions.DependencyInjection;
using Federation.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Federation.Coordinator.Tests.Support;

/// <summary>
/// A coordinator running in the test process on 127.0.0.1 (real Kestrel, HTTP/2). It can be killed
/// (stopped without any goodbye: running sagas are left where they are, as after a crash) and
/// started again on the same port with the same journal.
/// Unless its settings say --insecure, every peer it is given (--Coordinator:Peers:NAME=) gets a shared secret that its
/// settings do not already name: the file <see cref="PeerSecretPath"/> of the pair in the node's directory, made once, so
/// two nodes of one directory that name each other share it. <see cref="Client"/> carries the node's operator token.
/// </summary>
public sealed class CoordinatorNode : IAsyncDisposable
{
    private readonly AdapterModule adapter;
    private readonly List<string> settings;
    private readonly List<GrpcChannel> channels = [];
    private WebApplication? app;

    /// <param name="adapter">The adapter it offers, plugged in as the coordinator's host plugs one in; the Docker-host adapter when null.</param>
    /// <param name="https">The node listens with TLS (its settings carry --tls-cert...); <see cref="Client"/> then only suits h2c nodes.</param>
    public CoordinatorNode(string cluster, int port, string directory, IEnumerable<string> settings, AdapterModule? adapter = null, bool https = false)
    {
        Scheme = https ? "https" : "http";
        Cluster = cluster;
        Port = port;
        Directory = directory;
        JournalPath = Path.Combine(directory, $"{cluster}.db");
        this.adapter = adapter ?? DockerAdapterRegistration.Module;
        this.settings = [$"--cluster={cluster}", $"--port={port}", $"--journal={JournalPath}", .. settings];
        this.settings.AddRange(MissingPeerSecrets(this.settings));
    }

    public string Cluster { get; }

    /// <summary>Where tests stop this coordinator's migrations at a named point (idle unless armed); kept across restarts.</summary>
    public PausingHooks Hooks { get; } = new();
    public int Port { get; }
    public string Directory { get; }
    public string JournalPath { get; }
    public string Scheme { get; }
    public string Address => $"{Scheme}://127.0.0.1:{Port}";
    public bool Running => app is not null;

    /// <summary>The clock the coordinator reads (membership, policies, journal times); the system's when null.</summary>
    public TimeProvider? Clock { get; init; }

    /// <summary>Runs after the app is built and before it starts (a test adds a log provider that must see the start).</summary>
    public Action<IServiceProvider>? BeforeStart { get; init; }

    /// <summary>An operator's client: every call carries the operator token.</summary>
    public V1.Coordinator.CoordinatorClient Client { get; private set; } = null!;

    /// <summary>The file of the node's operator token (what fedctl's token-file names).</summary>
    public string OperatorTokenPath => Services.GetRequiredService<CoordinatorCredentials>().OperatorTokenPath;

    public string OperatorToken => Services.GetRequiredService<CoordinatorCredentials>().OperatorToken;

    public IServiceProvider Services => app?.Services ?? throw new InvalidOperationException($"coordinator {Cluster} is not running");

    /// <summary>The file two nodes <paramref name="x"/> and <paramref name="y"/> of <paramref name="directory"/> share their secret in (made if missing).</summary>
    public static string PeerSecretPath(string directory, string x, string y)
    {
        var path = Path.Combine(directory, string.CompareOrdinal(x, y) < 0 ? $"peer-secret-{x}-{y}" : $"peer-secret-{y}-{x}");
        SecretFile.LoadOrCreate(path);
        return path;
    }

    public async Task StartAsync()
    {
        app = CoordinatorApp.Build([.. settings], [adapter], replace: services =>
        {
            services.AddSingleton<MigrationHooks>(Hooks);
            if (Clock is not null) services.AddSingleton(Clock);
        });
        BeforeStart?.Invoke(app.Services);
        await app.StartAsync();
        Client = new V1.Coordinator.CoordinatorClient(Invoker(CallHeadersInterceptor.Bearer(OperatorToken)));
    }

    /// <summary>A client of the peer API that calls as peer <paramref name="cluster"/>, with the secret this node shares with it.</summary>
    public CoordinatorPeer.CoordinatorPeerClient PeerClientAs(string cluster) =>
        PeerClient(PeerMetadata.Of(cluster, Services.GetRequiredService<CoordinatorCredentials>().SecretOf(cluster)
            ?? throw new InvalidOperationException($"coordinator {Cluster} shares no secret with '{cluster}'")));

    /// <summary>A client of the peer API whose calls carry exactly <paramref name="headers"/> (none: no credential at all).</summary>
    public CoordinatorPeer.CoordinatorPeerClient PeerClient(params IReadOnlyList<KeyValuePair<string, string>> headers) =>
        new(Invoker(new CallHeadersInterceptor(headers)));

    /// <summary>A client of the operator API whose calls carry exactly <paramref name="headers"/> (none: no credential at all).</summary>
    public V1.Coordinator.CoordinatorClient OperatorClient(params IReadOnlyList<KeyValuePair<string, string>> headers) =>
        new(Invoker(new CallHeadersInterceptor(headers)));

    /// <summary>A channel of this node's (closed when it is killed) that puts <paramref name="credentials"/> on every call.</summary>
    public CallInvoker Invoker(Interceptor credentials)
    {
        var channel = GrpcChannel.ForAddress(Address);
        lock (channels) channels.Add(channel);
        return channel.Intercept(credentials);
    }

    public async Task KillAsync()
    {
        if (app is null) return;
        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try { await app.StopAsync(quick.Token); }
        catch (OperationCanceledException) { }
        await app.DisposeAsync();
        app = null;
        lock (channels)
        {
            foreach (var channel in channels) channel.Dispose();
            channels.Clear();
        }
    }

    public async Task RestartAsync()
    {
        await KillAsync();
        await StartAsync();
    }

    public async Task<Migration> WaitForEndAsync(string migrationId, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        Migration last = new();
        while (DateTime.UtcNow < deadline)
        {
            last = await Client.GetMigrationAsync(new GetMigrationRequest { MigrationId = migrationId });
            if (last.Phase is MigrationPhase.Completed or MigrationPhase.RolledBack or MigrationPhase.Failed) return last;
            await Task.Delay(250);
        }
        Assert.Fail($"migration {migrationId} did not end within {timeout}: {last}");
        return last;
    }

    public async ValueTask DisposeAsync() => await KillAsync();

    private IEnumerable<string> MissingPeerSecrets(List<string> given)
    {
        const string peers = "--Coordinator:Peers:", secrets = "--Coordinator:PeerSecrets:";
        if (given.Contains("--insecure")) yield break;
        foreach (var setting in given.Where(s => s.StartsWith(peers, StringComparison.Ordinal)).ToList())
        {
            var peer = setting[peers.Length..setting.IndexOf('=')];
            if (given.Any(s => s.StartsWith($"{secrets}{peer}=", StringComparison.Ordinal) || s.StartsWith($"--peer-secret={peer}=", StringComparison.Ordinal))) continue;
            yield return $"{secrets}{peer}={PeerSecretPath(Directory, Cluster, peer)}";
        }
    }
}
