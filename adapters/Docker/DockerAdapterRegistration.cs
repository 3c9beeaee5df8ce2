using Docker.DotNet;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Federation.Adapters.Docker;

/// <summary>Plugs the Docker-host adapter into a coordinator host under the kind "docker".</summary>
public static class DockerAdapterRegistration
{
    public const string Kind = "docker";

    /// <summary>Short command-line switches of the adapter's settings, for the host's command line.</summary>
    public static IReadOnlyDictionary<string, string> Switches { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--runtime-image"] = $"{DockerHostSettings.Section}:RuntimeImage",
        ["--name-prefix"] = $"{DockerHostSettings.Section}:NamePrefix",
        ["--state-dir"] = $"{DockerHostSettings.Section}:StateDirectory",
        ["--max-workloads"] = $"{DockerHostSettings.Section}:MaxWorkloads",
        ["--docker-endpoint"] = $"{DockerHostSettings.Section}:DockerEndpoint",
        ["--image-source"] = $"{DockerHostSettings.Section}:ImageSource",
        ["--registry"] = $"{DockerHostSettings.Section}:Registry",
        ["--registry-ca"] = $"{DockerHostSettings.Section}:RegistryCaFile",
        ["--registry-credentials"] = $"{DockerHostSettings.Section}:RegistryCredentialsFile",
        ["--registry-pull-timeout"] = $"{DockerHostSettings.Section}:RegistryPullTimeout",
        ["--warm-runtimes"] = $"{DockerHostSettings.Section}:WarmRuntimes",
        ["--warm-runtime-ports"] = $"{DockerHostSettings.Section}:WarmRuntimePorts",
        ["--shared-volumes"] = $"{DockerHostSettings.Section}:SharedVolumes",
    };

    /// <summary>The adapter as a coordinator host offers it.</summary>
    public static AdapterModule Module { get; } = new(Kind, (services, configuration) => services.AddDockerHostAdapter(configuration), Switches);

    /// <summary>Registers the adapter and its traffic switch (the cluster's relay process); nothing is built unless "docker" is the configured kind.</summary>
    public static IServiceCollection AddDockerHostAdapter(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DockerHostSettings>().Bind(configuration.GetSection(DockerHostSettings.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DockerHostSettings>, DockerHostSettingsValidator>();
        services.AddSingleton(sp => HostOptions(sp.GetRequiredService<IOptions<DockerHostSettings>>().Value, sp.GetRequiredService<ClusterContext>()));
        services.AddSingleton(sp => new DockerClientConfiguration(new Uri(sp.GetRequiredService<IOptions<DockerHostSettings>>().Value.DockerEndpoint)).CreateClient());
        services.AddSingleton(sp => new DockerRuntimeHost(sp.GetRequiredService<DockerClient>(), sp.GetRequiredService<DockerHostAdapterOptions>().Launch,
            sp.GetRequiredService<IRuntimeEngines>()));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<DockerHostAdapterOptions>();
            return new DockerAdapterState(Path.Combine(options.StateDirectory, $"docker-adapter-{options.Cluster}.json"));
        });
        services.AddSingleton(sp => new RelayContainer(sp.GetRequiredService<DockerClient>(), sp.GetRequiredService<DockerHostAdapterOptions>(),
            sp.GetRequiredService<ILogger<RelayContainer>>()));
        services.AddSingleton(sp => new ProxyTrafficSwitch(sp.GetRequiredService<RelayContainer>(), sp.GetRequiredService<DockerAdapterState>(),
            sp.GetRequiredService<DockerHostAdapterOptions>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new DockerHostAdapter(sp.GetRequiredService<DockerClient>(), sp.GetRequiredService<DockerHostAdapterOptions>(),
            sp.GetRequiredService<DockerRuntimeHost>(), sp.GetRequiredService<DockerAdapterState>(), sp.GetRequiredService<ProxyTrafficSwitch>(),
            sp.GetRequiredService<IRuntimeEngines>(), sp.GetRequiredService<ILoggerFactory>()));
        // Registered for every host, built only when this kind runs (AddHostedService would keep one per type).
        services.AddSingleton<IHostedService>(sp => new WarmRuntimePoolService(sp));
        return services.AddOrchestratorAdapter(Kind, sp => sp.GetRequiredService<DockerHostAdapter>(), sp => sp.GetRequiredService<ProxyTrafficSwitch>());
    }

    private static DockerHostAdapterOptions HostOptions(DockerHostSettings settings, ClusterContext cluster) => new()
    {
        Cluster = cluster.Cluster,
        NamePrefix = settings.NamePrefix,
        MaxWorkloads = settings.MaxWorkloads,
        MaxRelayConnections = settings.MaxRelayConnections,
        MaxTrafficHold = settings.MaxTrafficHold,
        WarmRuntimes = settings.WarmRuntimes,
        WarmRuntimePorts = settings.ParsedWarmRuntimePorts() ?? [],
        StateDirectory = string.IsNullOrEmpty(settings.StateDirectory) ? cluster.StateDirectory : settings.StateDirectory,
        LocalEngine = settings.DockerEndpoint.StartsWith("unix://", StringComparison.Ordinal),
        RegistryPulls = settings.ParsedImageSource() == ImageSource.Registry ? settings.ToRegistryPulls() : null,
        Launch = new RuntimeLaunchOptions
        {
            RuntimeImage = settings.RuntimeImage,
            OwnerLabel = $"federation-{settings.NamePrefix}-{cluster.Cluster}",
            // Named like the cluster's runtimes ("{prefix}-{cluster}-{namespace}-{name}"), so clusters sharing a dockerd never share a network.
            Network = $"{settings.NamePrefix}-{cluster.Cluster}",
            Privileged = settings.Privileged,
            SharedVolumesDirectory = string.IsNullOrEmpty(settings.SharedVolumes) ? null : settings.SharedVolumes,
        },
    };
}
