using Federation.Adapters;
using Federation.Common;
using Federation.Coordinator.Engines;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Peers;
using Federation.Coordinator.Saga;
using Federation.Coordinator.Services;
using Federation.Coordinator.Targets;
using Federation.Coordinator.Tls;
using Federation.Coordinator.Traffic;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Hosting;

/// <summary>Builds the coordinator's web host; Program and the in-process tests use the same wiring.</summary>
public static class CoordinatorApp
{
    /// <param name="adapterOverride">Tests pass their own adapter; otherwise the configured kind is built.</param>
    /// <exception cref="TlsConfigurationException">A configured certificate, key or CA file cannot be used (one-line message).</exception>
    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null, Func<IServiceProvider, IOrchestratorAdapter>? adapterOverride = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.AddCommandLine(args, CommandLineSwitches.Map);
        configure?.Invoke(builder.Configuration);
        builder.Logging.AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss.fff "; });

        // TLS files are loaded here, before anything starts, so a bad one stops the coordinator with one line.
        var listen = builder.Configuration.GetSection(CoordinatorOptions.Section).Get<CoordinatorOptions>() ?? new CoordinatorOptions();
        var serverTls = ServerTls.Load(listen.Tls);
        var peerTls = PeerTls.Load(listen.PeerTls);

        var services = builder.Services;
        services.AddSingleton(peerTls);
        services.AddOptions<CoordinatorOptions>().Bind(builder.Configuration.GetSection(CoordinatorOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CoordinatorOptions>, CoordinatorOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new MigrationJournal(sp.GetRequiredService<IOptions<CoordinatorOptions>>().Value.JournalPath));
        services.AddSingleton<EngineClients>();
        services.AddSingleton<PeerClients>();
        services.AddSingleton<MigrationEvents>();
        services.AddSingleton<MigrationTracker>();
        services.AddSingleton<StableAddressTraffic>();
        services.AddSingleton<HomeTraffic>();
        services.AddSingleton<MigrationSaga>();
        services.AddSingleton<MigrationRollback>();
        services.AddSingleton<MigrationRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<MigrationRunner>());
        services.AddSingleton<MigrationService>();
        services.AddSingleton<TargetManager>();
        services.AddHostedService<TargetReaper>();
        if (adapterOverride is not null) services.AddSingleton(adapterOverride);
        else services.AddSingleton(AdapterFactory.Create);

        services.AddGrpc(o => o.Interceptors.Add<ErrorMappingInterceptor>());
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck("journal", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());

        builder.WebHost.ConfigureKestrel(k =>
        {
            // Beyond loopback only with mutual TLS (the validator refuses anything else).
            var address = System.Net.IPAddress.TryParse(listen.ListenAddress, out var ip) && (System.Net.IPAddress.IsLoopback(ip) || serverTls?.Clients is not null)
                ? ip : System.Net.IPAddress.Loopback;
            k.Listen(address, listen.ListenPort, l =>
            {
                l.Protocols = HttpProtocols.Http2;
                if (serverTls is null) return;
                var logger = l.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("Federation.Coordinator.Tls");
                l.UseHttps(serverTls.HttpsOptions(reason => TlsLog.ClientCertificateRefused(logger, reason)));
                TlsLog.ListeningWithTls(logger, address.ToString(), listen.ListenPort, serverTls.Certificate.Subject, serverTls.Clients is not null);
            });
        });

        var app = builder.Build();
        app.MapGrpcService<CoordinatorService>();
        app.MapGrpcService<CoordinatorPeerService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        return app;
    }
}
