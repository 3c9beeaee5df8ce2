using Microsoft.AspNetCore.Builder;
using Federation.Adapters;
using Federation.Adapters.Docker;
using Federation.Coordinator.Hosting;
using Federation.Coordinator.Saga;
using Microsoft.Extensions.DependencyInjection;
using Federation.V1;
using Grpc.Net.Client;

namespace Federation.Coordinator.Tests.Support;

/// <summary>
/// A coordinator running in the test process on 127.0.0.1 (real Kestrel, HTTP/2). It can be killed
/// (stopped without any goodbye: running sagas are left where they are, as after a crash) and
/// started again on the same port with the same journal.
/// </summary>
public sealed class CoordinatorNode : IAsyncDisposable
{
    private readonly AdapterModule adapter;
    private readonly List<string> settings;
    private WebApplication? app;
    private GrpcChannel? channel;

    /// <param name="adapter">The adapter it offers, plugged in as the coordinator's host plugs one in; the Docker-host adapter when null.</param>
    /// <param name="https">The node listens with TLS (its settings carry --tls-cert...); <see cref="Client"/> then only suits h2c nodes.</param>
    public CoordinatorNode(string cluster, int port, string directory, IEnumerable<string> settings, AdapterModule? adapter = null, bool https = false)
    {
        Scheme = https ? "https" : "http";
        Cluster = cluster;
        Port = port;
        JournalPath = Path.Combine(directory, $"{cluster}.db");
        this.adapter = adapter ?? DockerAdapterRegistration.Module;
        this.settings = [$"--cluster={cluster}", $"--port={port}", $"--journal={JournalPath}", .. settings];
    }

    public string Cluster { get; }

    /// <summary>Where tests stop this coordinator's migrations at a named point (idle unless armed); kept across restarts.</summary>
    public PausingHooks Hooks { get; } = new();
    public int Port { get; }
    public string JournalPath { get; }
    public string Scheme { get; }
    public string Address => $"{Scheme}://127.0.0.1:{Port}";
    public bool Running => app is not null;

    public V1.Coordinator.CoordinatorClient Client { get; private set; } = null!;

    public IServiceProvider Services => app?.Services ?? throw new InvalidOperationException($"coordinator {Cluster} is not running");

    public async Task StartAsync()
    {
        app = CoordinatorApp.Build([.. settings], [adapter], replace: services => services.AddSingleton<MigrationHooks>(Hooks));
        await app.StartAsync();
        channel = GrpcChannel.ForAddress(Address);
        Client = new V1.Coordinator.CoordinatorClient(channel);
    }

    public async Task KillAsync()
    {
        if (app is null) return;
        using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try { await app.StopAsync(quick.Token); }
        catch (OperationCanceledException) { }
        await app.DisposeAsync();
        app = null;
        channel?.Dispose();
        channel = null;
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
}
