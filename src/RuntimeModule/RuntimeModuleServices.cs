using Federation.RuntimeModule.DockerApi;
using Federation.RuntimeModule.Engine;

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
        services.AddSingleton<AppManager>();
        services.AddSingleton<RuntimeDescriber>();
        services.AddSingleton<ImageLoader>();
        return services;
    }
}
