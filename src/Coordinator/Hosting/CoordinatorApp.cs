using Federation.Adapters;
using Federation.Common;
using Federation.Coordinator.Auth;
using Federation.Coordinator.Engines;
using Federation.Coordinator.Journal;
using Federation.Coordinator.Membership;
using Federation.Coordinator.Metrics;
using Federation.Coordinator.Policy;
using Federation.Coordinator.Signals;
using Federation.Coordinator.Options;
using Federation.Coordinator.Peers;
using Federation.Coordinator.Saga;
using Federation.Coordinator.Services;
using Federation.Coordinator.Targets;
using Federation.Coordinator.Tls;
using Federation.Coordinator.Traffic;
using Federation.Coordinator.Workloads;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Prometheus;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Hosting;

/// <summary>Builds the coordinator's web host; Program and the in-process tests use the same wiring.</summary>
public static class CoordinatorApp
{
    /// <param name="adapters">The adapter kinds this host offers (the production host: every adapter; tests: a fake); the configured kind is the one built.</param>
    /// <exception cref="TlsConfigurationException">A configured certificate, key or CA file cannot be used (one-line message).</exception>
    /// <param name="replace">Registrations that replace the defaults (tests: <see cref="MigrationHooks"/>).</param>
    public static WebApplication Build(string[] args, IReadOnlyList<AdapterModule> adapters, Action<IConfigurationBuilder>? configure = null,
        Action<IServiceCollection>? replace = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.Configuration.AddCommandLine(CommandLineSwitches.Expand(args), CommandLineSwitches.With(adapters));
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
        services.AddSingleton(sp =>
        {
            var coordinator = sp.GetRequiredService<IOptions<CoordinatorOptions>>().Value;
            return new ClusterContext(coordinator.Cluster, Path.GetDirectoryName(Path.GetFullPath(coordinator.JournalPath))!,
                coordinator.Adapter.KindAmong(sp.GetServices<AdapterKind>()));
        });
        services.AddSingleton(sp => new RuntimeEngines(EngineCredentialFile.LoadOrCreate(sp.GetRequiredService<ClusterContext>().StateDirectory)));
        services.AddSingleton<IRuntimeEngines>(sp => sp.GetRequiredService<RuntimeEngines>());
        foreach (var module in adapters) module.Register(services, builder.Configuration);
        // The core picks the configured kind; only that adapter is ever built.
        services.AddSingleton(sp => sp.GetRequiredKeyedService<IOrchestratorAdapter>(sp.GetRequiredService<ClusterContext>().AdapterKind));
        services.AddSingleton(sp => sp.GetRequiredKeyedService<ITrafficSwitch>(sp.GetRequiredService<ClusterContext>().AdapterKind));
        services.AddSingleton<CoordinatorCredentials>();
        services.AddSingleton<CallAuthenticator>();
        services.AddScoped<PeerCaller>();
        services.AddHostedService<AuthenticationAtStart>();
        services.AddSingleton<PeerClients>();
        services.AddSingleton<MigrationEvents>();
        services.AddSingleton<MigrationTracker>();
        services.AddSingleton<SourceSideTraffic>();
        services.AddSingleton<HomeSideTraffic>();
        services.AddSingleton<StableAddressClosure>();
        services.AddSingleton<PostCopyServing>();
        services.AddSingleton<MigrationSaga>();
        services.AddSingleton<MigrationRollback>();
        services.AddSingleton<CommitResolution>();
        services.AddSingleton<MigrationHooks>();
        services.AddSingleton<MigrationRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<MigrationRunner>());
        services.AddSingleton<MigrationStarter>();
        services.AddSingleton<MigrationQueries>();
        services.AddSingleton<MigrationCancellation>();
        services.AddSingleton<WorkloadDeployment>();
        services.AddSingleton<WorkloadListing>();
        services.AddSingleton<WorkloadDeletion>();
        services.AddSingleton<WorkloadConditions>();
        services.AddHostedService<WorkloadWatcher>();
        services.AddSingleton<PeerReachability>();
        services.AddSingleton<MigrationAdmission>();
        services.AddSingleton<TargetPreparation>();
        services.AddSingleton<TargetLocks>();
        services.AddSingleton<TargetCommit>();
        services.AddSingleton<TargetRemoval>();
        services.AddSingleton<TargetHeartbeats>();
        services.AddHostedService<TargetReaper>();
        services.AddSingleton<CoordinatorMetrics>();
        services.AddSingleton<LocalCapacity>();
        services.AddSingleton<PeerMembership>();
        services.AddSingleton<HeartbeatExchange>();
        services.AddSingleton<MembershipHeartbeats>();
        services.AddHostedService(sp => sp.GetRequiredService<MembershipHeartbeats>());
        services.AddSingleton<PolicyEvents>();
        services.AddSingleton<PolicyStore>();
        services.AddSingleton<PolicyApi>();
        services.AddHostedService<PolicyFileWatcher>();
        services.AddSingleton<SignalRecorder>();
        services.AddSingleton<WorkloadUsage>();
        services.AddSingleton<SignalSampler>();
        services.AddSingleton<WorkloadPins>();
        services.AddSingleton<ReturnHomeStarter>();
        services.AddSingleton<ClusterEventLog>();
        services.AddSingleton<PolicyEvaluator>();
        services.AddHostedService(sp => sp.GetRequiredService<PolicyEvaluator>());

        replace?.Invoke(services);

        // Operators only on the operator API, configured peers only on the peer API; health and reflection stay open.
        services.AddGrpc(o => o.Interceptors.Add<ErrorMappingInterceptor>())
            .AddServiceOptions<CoordinatorService>(o => o.Interceptors.Add<OperatorAdmissionInterceptor>())
            .AddServiceOptions<CoordinatorPeerService>(o => o.Interceptors.Add<PeerAdmissionInterceptor>());
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck("journal", () => Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy());

        // An adapter's own HTTP endpoints (a Kubernetes admission webhook) get a listener of their own, known once the services exist.
        AdapterHttpEndpoints? adapterHttp = null;
        ListenOptions? adapterListener = null;
        ListenOptions? metricsListener = null;
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Kestrel reads its options while the host is built: the adapter's endpoints come from the built container here.
            adapterHttp ??= AdapterHttpOf(k.ApplicationServices, listen.Adapter.Kind, adapters);
            if (adapterHttp is not null)
            {
                k.Listen(adapterHttp.Listen, l =>
                {
                    l.Protocols = HttpProtocols.Http1AndHttp2;
                    if (adapterHttp.Certificate is { } certificate) l.UseHttps(certificate);
                    adapterListener = l;
                });
            }
            // Prometheus scrapes plain HTTP/1.1: a listener of its own on loopback that serves /metrics and nothing else.
            if (listen.MetricsPort is { } metricsPort)
                k.Listen(System.Net.IPAddress.Loopback, metricsPort, l => { l.Protocols = HttpProtocols.Http1; metricsListener = l; });
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
        adapterHttp ??= AdapterHttpOf(app.Services, listen.Adapter.Kind, adapters);
        if (adapterHttp is not null)
        {
            // Served only on the adapter's listener: the coordinator's own port stays gRPC with its admission.
            var group = app.MapGroup("");
            group.AddEndpointFilter(async (context, next) =>
                adapterListener?.IPEndPoint is { } bound && context.HttpContext.Connection.LocalPort == bound.Port ? await next(context) : Results.NotFound());
            adapterHttp.Map(group);
        }
        if (metricsListener is not null)
        {
            app.Use(async (context, next) =>
            {
                var onMetricsPort = metricsListener.IPEndPoint is { } bound && context.Connection.LocalPort == bound.Port;
                var isMetrics = context.Request.Path == "/metrics";
                if (onMetricsPort == isMetrics) await next(context);
                else context.Response.StatusCode = StatusCodes.Status404NotFound;
            });
            app.MapMetrics("/metrics", app.Services.GetRequiredService<CoordinatorMetrics>().Registry);
        }
        app.MapGrpcService<CoordinatorService>();
        app.MapGrpcService<CoordinatorPeerService>();
        app.MapGrpcReflectionService();
        app.MapGrpcHealthChecksService();
        return app;
    }

    /// <summary>The configured adapter kind's own HTTP endpoints, if it registered any (an unknown kind has none; the validator refuses it at start).</summary>
    private static AdapterHttpEndpoints? AdapterHttpOf(IServiceProvider services, string configuredKind, IReadOnlyList<AdapterModule> adapters)
    {
        var kind = configuredKind.Length > 0 ? configuredKind : adapters.Count == 1 ? adapters[0].Kind : "";
        return kind.Length == 0 ? null : services.GetKeyedService<AdapterHttpEndpointsSource>(kind)?.Endpoints;
    }
}
