using Federation.Adapters;
using Federation.Common;
using Federation.Coordinator.Engines;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Options;
using Federation.Coordinator.Peers;
using Federation.Coordinator.Saga;
using Federation.Coordinator.Services;
using Federation.Coordinator.Targets;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Hosting;

/// <summary>Builds the coordinator's web host; Program and the in-process tests use the same wiring.</summary>
public static class CoordinatorApp
{
    /// <param name="adapterOverride">Tests pass their own adapter; otherwise the configured kind is built.</param>
    public static WebApplication Build(string[] args, Action<IConfigurationBuilder>? configure = null, Func<IServiceProvider, IOrchestratorAdapter>? adapterOverride = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.AddCommandLine(args, CommandLineSwitches.Map);
        configure?.Invoke(builder.Configuration);
        builder.Logging.AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss.fff "; });

        var services = builder.Services;
        services.AddOptions<CoordinatorOptions>().Bind(builder.Configuration.GetSection(CoordinatorOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CoordinatorOptions>, CoordinatorOptionsValidator>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new MigrationJournal(sp.GetRequiredService<IOptions<CoordinatorOptions>>().Value.JournalPath));
        services.AddSingleton<EngineClients>();
        services.AddSingleton<PeerClients>();
        services.AddSingleton<MigrationEvents>();
        services.AddSingleton<MigrationTracker>();
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

        var listen = builder.Configuration.GetSection(CoordinatorOptions.Section).Get<CoordinatorOptions>() ?? new CoordinatorOptions();
        builder.WebHost.ConfigureKestrel(k =>
        {
            var address = System.Net.IPAddress.TryParse(listen.ListenAddress, out var ip) && System.Net.IPAddress.IsLoopback(ip) ? ip : System.Net.IPAddress.Loopback;
            k.Listen(address, listen.ListenPort, l => l.Protocols = HttpProtocols.Http2);
        });

        var app = builder.Build();
        app.MapGrpcService<CoordinatorService>();
        app.MapGrpcService<CoordinatorPeerService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        return app;
    }
}
