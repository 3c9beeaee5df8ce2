using System.Net;
using System.Security.Cryptography.X509Certificates;
using Federation.Adapters.Kubernetes.Cluster;
using Federation.Adapters.Kubernetes.Images;
using Federation.Adapters.Kubernetes.Ownership;
using Federation.Adapters.Kubernetes.Pods;
using Federation.Adapters.Kubernetes.Traffic;
using Federation.Adapters.Kubernetes.Webhook;
using k8s;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Federation.Adapters.Kubernetes;

/// <summary>
/// Plugs the Kubernetes adapter into a coordinator host under the kind "kubernetes" (and, through
/// <see cref="ModuleFor"/>, K3s under "k3s" with its defaults). Everything is built per kind, and only for the kind
/// that runs; settings are named options of that kind, bound from <c>Coordinator:Adapter</c>.
/// </summary>
public static class KubernetesAdapterRegistration
{
    public const string Kind = "kubernetes";

    /// <summary>Short command-line switches of the adapter's settings.</summary>
    public static IReadOnlyDictionary<string, string> Switches { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--kubeconfig"] = $"{KubernetesSettings.Section}:Kubeconfig",
        ["--kube-context"] = $"{KubernetesSettings.Section}:Context",
        ["--runtime-image"] = $"{KubernetesSettings.Section}:RuntimeImage",
        ["--engine-image"] = $"{KubernetesSettings.Section}:EngineImage",
        ["--module-source"] = $"{KubernetesSettings.Section}:ModuleSource",
        ["--max-workloads"] = $"{KubernetesSettings.Section}:MaxWorkloads",
        ["--peer-access"] = $"{KubernetesSettings.Section}:PeerEngineAccess",
        ["--webhook-port"] = $"{KubernetesSettings.Section}:WebhookPort",
        ["--webhook-cert"] = $"{KubernetesSettings.Section}:WebhookCertificate",
        ["--webhook-key"] = $"{KubernetesSettings.Section}:WebhookKey",
        ["--image-source"] = $"{KubernetesSettings.Section}:ImageSource",
        ["--image-docker-socket"] = $"{KubernetesSettings.Section}:ImageDockerSocket",
        ["--registry"] = $"{KubernetesSettings.Section}:Registry",
        ["--registry-ca"] = $"{KubernetesSettings.Section}:RegistryCaFile",
        ["--registry-credentials"] = $"{KubernetesSettings.Section}:RegistryCredentialsFile",
        ["--registry-pull-timeout"] = $"{KubernetesSettings.Section}:RegistryPullTimeout",
    };

    public static AdapterModule Module { get; } = ModuleFor(KubeFlavor.Kubernetes);

    /// <summary>The module of a kind that shares this adapter with other defaults (adapters/K3s).</summary>
    public static AdapterModule ModuleFor(KubeFlavor flavor) => new(flavor.Kind, (services, configuration) => services.AddKubernetesAdapter(configuration, flavor), Switches);

    public static IServiceCollection AddKubernetesAdapter(this IServiceCollection services, IConfiguration configuration, KubeFlavor flavor)
    {
        var kind = flavor.Kind;
        services.AddOptions<KubernetesSettings>(kind).Bind(configuration.GetSection(KubernetesSettings.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<KubernetesSettings>>(sp => new KubernetesSettingsValidator(flavor, sp.GetRequiredService<ClusterContext>()));
        services.AddKeyedSingleton(kind, (sp, _) => Compose(sp, flavor));
        services.AddAdapterHttpEndpoints(kind, sp =>
        {
            var settings = sp.GetRequiredService<IOptionsMonitor<KubernetesSettings>>().Get(kind);
            if (settings.WebhookPort is not { } port) return null;
            var certificate = settings.WebhookCertificate.Length > 0 ? X509Certificate2.CreateFromPemFile(settings.WebhookCertificate, settings.WebhookKey) : null;
            var pods = PodOptions(settings);
            var mutator = new PodMutator(new RuntimePodBuilder(pods));
            var secrets = new EngineSecrets(sp.GetRequiredKeyedService<KubernetesComposition>(kind).Api, pods.EngineSecretName,
                sp.GetRequiredService<ClusterContext>().Cluster, sp.GetRequiredService<IRuntimeEngines>());
            return new AdapterHttpEndpoints(new IPEndPoint(IPAddress.Parse(settings.WebhookAddress), port), certificate, endpoints => WebhookEndpoint.Map(endpoints, mutator, secrets));
        });
        // One per kind (AddHostedService would keep only the first kind's): each runs only when its kind is the one.
        services.AddSingleton<IHostedService>(sp => new AdmittedPodImages(kind, sp, sp.GetRequiredService<ILogger<AdmittedPodImages>>()));
        return services.AddOrchestratorAdapter(kind,
            sp => sp.GetRequiredKeyedService<KubernetesComposition>(kind).Adapter,
            sp => sp.GetRequiredKeyedService<KubernetesComposition>(kind).Traffic);
    }

    /// <summary>The adapter's parts for one kind, built once when that kind runs.</summary>
    public sealed record KubernetesComposition(KubernetesAdapter Adapter, ServiceTrafficSwitch Traffic, KubeApi Api);

    private static KubernetesComposition Compose(IServiceProvider sp, KubeFlavor flavor)
    {
        var settings = sp.GetRequiredService<IOptionsMonitor<KubernetesSettings>>().Get(flavor.Kind);
        var cluster = sp.GetRequiredService<ClusterContext>();
        var loggers = sp.GetRequiredService<ILoggerFactory>();
        var options = new KubernetesAdapterOptions
        {
            Cluster = cluster.Cluster,
            Flavor = flavor,
            Pods = PodOptions(settings),
            MaxWorkloads = settings.MaxWorkloads,
            SystemNamespace = settings.SystemNamespace,
            RelayDirectory = settings.RelayDirectory.Length > 0 ? settings.RelayDirectory : Path.Combine(cluster.StateDirectory, $"relay-{cluster.Cluster}"),
            MaxTrafficHold = settings.MaxTrafficHold,
            PodReadyTimeout = settings.PodReadyTimeout,
            PeerAccess = settings.PeerEngineAccess,
            ImageDockerSocket = settings.ParsedImageSource() == KubeImageSource.DockerSocket ? settings.ImageDockerSocketPath() : "",
            RegistryPulls = settings.ParsedImageSource() == KubeImageSource.Registry ? settings.ToRegistryPulls() : null,
        };
        var api = new KubeApi(new k8s.Kubernetes(KubeconfigLocator.Load(settings.Kubeconfig, settings.Context, flavor)), cluster.Cluster, loggers);
        var builder = new RuntimePodBuilder(options.Pods);
        var traffic = new ServiceTrafficSwitch(api, new RelayPod(api, options), loggers);
        var owners = new WorkloadOwners(api, builder, loggers.CreateLogger<WorkloadOwners>());
        var adapter = new KubernetesAdapter(api, options, builder, owners, traffic, new PlacementProbe(api, options), sp.GetRequiredService<IRuntimeEngines>(), loggers);
        return new KubernetesComposition(adapter, traffic, api);
    }

    public static RuntimePodOptions PodOptions(KubernetesSettings settings) => new()
    {
        RuntimeImage = settings.RuntimeImage,
        EngineImage = settings.EngineImage,
        ModuleSource = settings.ModuleSource,
        ModuleDirectory = settings.ModuleDirectory.Length > 0 ? settings.ModuleDirectory : DefaultModuleDirectory(),
        DotnetRoot = settings.DotnetRoot.Length > 0 ? settings.DotnetRoot : DefaultDotnetRoot(),
        MemoryBackedState = settings.MemoryBackedState,
        Privileged = settings.Privileged,
        EngineSecretName = settings.EngineSecretName,
    };

    private static string DefaultModuleDirectory() =>
        Environment.GetEnvironmentVariable("FEDERATION_MODULE_DIR") is { Length: > 0 } dir ? dir : Path.GetDirectoryName(typeof(RuntimeModule.RuntimeModuleOptions).Assembly.Location)!;

    private static string DefaultDotnetRoot()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root) return root;
        var runtime = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        return Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
    }
}
