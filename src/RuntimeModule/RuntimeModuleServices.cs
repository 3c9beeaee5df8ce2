using Federation.RuntimeModule.DockerApi;
using Federation.RuntimeModule.Engine;
using Federation.SyncModule.Sender;

namespace Federation.RuntimeModule;

public static class RuntimeModuleServices
{
    public static IServiceCollection AddRuntimeModule(this IServiceCollection services, RuntimeModuleOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton(_ => new DockerSocket(options.DockerSocketPath));
        services.AddSingleton<DockerCheckpointApi>();
        services.AddSingleton<CheckpointVolume>();
        services.AddSingleton<AppRegistry>();
        services.AddSingleton<RuntimeProcesses>();
        services.AddSingleton<RuncCheckpointer>();
        services.AddSingleton<ContainerFreezer>();
        services.AddSingleton<CriuNetworkLock>();
        services.AddSingleton<AppLocks>();
        services.AddSingleton<CheckpointsInProgress>();
        services.AddSingleton<ContainerFilesystem>();
        services.AddSingleton<PodCriuConfig>();
        services.AddSingleton<RestoreFailureHook>();
        services.AddSingleton<AppContainers>();
        services.AddSingleton<AppStopSettling>();
        services.AddSingleton<AppDescriber>();
        services.AddSingleton<AppUsageReader>();
        services.AddSingleton<AppCreator>();
        services.AddSingleton<AppCheckpointer>();
        services.AddSingleton<DockerRootDirectory>();
        services.AddSingleton<AppRestorer>();
        services.AddSingleton<AppRemover>();
        services.AddSingleton<AppFencing>();
        services.AddSingleton<AppResumer>();
        services.AddSingleton<RuntimeProber>();
        services.AddSingleton<RuntimeDescriber>();
        services.AddSingleton<ImageLoader>();
        services.AddSingleton<RegistryTrust>();
        services.AddSingleton<ImagePuller>();
        services.AddSingleton(sp => new SyncSender(sp.GetRequiredService<ILogger<SyncSender>>()));
        services.AddSingleton<CheckpointTransfers>();
        services.AddSingleton<Engine.Lazy.LazyDumps>();
        services.AddSingleton<Engine.Lazy.PageServing>();
        services.AddSingleton<Engine.Lazy.LazyDumpAbort>();
        services.AddSingleton<Engine.Lazy.PageTunnelBreakHook>();
        services.AddSingleton<Engine.Lazy.LazyRestores>();
        services.AddSingleton<Engine.Lazy.LazyRestoreConfig>();
        services.AddSingleton<Engine.Trees.FileTreeSource>();
        services.AddSingleton<Engine.Trees.FileTreeRestore>();
        services.AddSingleton<Federation.SyncModule.Receiver.ISyncTransferCompletion, Engine.Trees.FileTreeReceiver>();
        return services;
    }
}
