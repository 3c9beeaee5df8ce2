using Federation.Common;
using Federation.SyncModule.Receiver;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Federation.SyncModule.Hosting;

/// <summary>Hosting the receiver inside any ASP.NET Core gRPC server (the Engine, a sidecar, a test).</summary>
public static class SyncServiceCollectionExtensions
{
    /// <summary>
    /// Registers the receiver (<see cref="SyncReceiver"/>, <see cref="ISyncTokenIssuer"/>) and the gRPC
    /// service options of <see cref="SyncService"/> (error mapping, 4 MiB blocks). Call <c>MapFederationSync</c> too.
    /// </summary>
    public static IServiceCollection AddFederationSync(this IServiceCollection services, Action<SyncReceiverOptions> configure)
    {
        var options = new SyncReceiverOptions();
        configure(options);
        options.Validate();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(options);
        services.AddSingleton<SyncTokenIssuer>();
        services.AddSingleton<ISyncTokenIssuer>(sp => sp.GetRequiredService<SyncTokenIssuer>());
        services.AddSingleton<TransferRegistry>();
        services.AddSingleton<ChunkIndexStore>();
        // The receiver's constructor takes internal types, so the container cannot pick it by itself.
        services.AddSingleton(sp => new SyncReceiver(sp.GetRequiredService<SyncReceiverOptions>(), sp.GetRequiredService<SyncTokenIssuer>(),
            sp.GetRequiredService<TransferRegistry>(), sp.GetRequiredService<ChunkIndexStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SyncReceiver>>(),
            sp.GetServices<ISyncTransferCompletion>()));
        services.AddGrpc().AddServiceOptions<SyncService>(o =>
        {
            o.MaxReceiveMessageSize = SyncLimits.MaxMessageBytes;
            o.Interceptors.Add<ErrorMappingInterceptor>();
        });
        return services;
    }

    public static GrpcServiceEndpointConventionBuilder MapFederationSync(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGrpcService<SyncService>();
}
