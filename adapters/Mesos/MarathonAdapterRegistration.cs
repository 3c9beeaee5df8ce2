using System.Net.Http.Headers;
using System.Text;
using Federation.Adapters.Mesos.Api;
using Federation.Adapters.Mesos.Deployments;
using Federation.Adapters.Mesos.Runtime;
using Federation.Adapters.Mesos.Traffic;
using Federation.Common;
using Federation.Common.Auth;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Federation.Adapters.Mesos;

/// <summary>Plugs the Marathon adapter into a coordinator host under the kind "marathon"; nothing is built unless it is the configured kind.</summary>
public static class MarathonAdapterRegistration
{
    public const string Kind = MarathonAdapter.Kind;

    /// <summary>Short command-line switches of the adapter's settings.</summary>
    public static IReadOnlyDictionary<string, string> Switches { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--marathon-url"] = $"{MarathonSettings.Section}:MarathonUrl",
        ["--marathon-user"] = $"{MarathonSettings.Section}:Username",
        ["--marathon-password-file"] = $"{MarathonSettings.Section}:PasswordFile",
        ["--marathon-token-file"] = $"{MarathonSettings.Section}:TokenFile",
        ["--marathon-group"] = $"{MarathonSettings.Section}:AppGroup",
        ["--marathon-constraints"] = $"{MarathonSettings.Section}:Constraints",
        ["--marathon-roles"] = $"{MarathonSettings.Section}:AcceptedResourceRoles",
        ["--marathon-service-ports"] = $"{MarathonSettings.Section}:ServicePortRange",
        ["--marathon-lb-host"] = $"{MarathonSettings.Section}:LoadBalancerHost",
        ["--relay-host"] = $"{MarathonSettings.Section}:RelayHost",
        ["--relay-dir"] = $"{MarathonSettings.Section}:RelayDirectory",
        ["--runtime-image"] = $"{MarathonSettings.Section}:RuntimeImage",
        ["--module-host-path"] = $"{MarathonSettings.Section}:ModuleHostPath",
        ["--dotnet-host-path"] = $"{MarathonSettings.Section}:DotnetHostPath",
        ["--max-workloads"] = $"{MarathonSettings.Section}:MaxWorkloads",
        ["--deployment-timeout"] = $"{MarathonSettings.Section}:DeploymentTimeout",
        ["--image-source"] = $"{MarathonSettings.Section}:ImageSource",
        ["--image-docker-socket"] = $"{MarathonSettings.Section}:ImageDockerSocket",
        ["--registry"] = $"{MarathonSettings.Section}:Registry",
        ["--registry-ca"] = $"{MarathonSettings.Section}:RegistryCaFile",
        ["--registry-credentials"] = $"{MarathonSettings.Section}:RegistryCredentialsFile",
        ["--registry-pull-timeout"] = $"{MarathonSettings.Section}:RegistryPullTimeout",
    };

    public static AdapterModule Module { get; } = new(Kind, (services, configuration) => services.AddMarathonAdapter(configuration), Switches);

    public static IServiceCollection AddMarathonAdapter(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MarathonSettings>().Bind(configuration.GetSection(MarathonSettings.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MarathonSettings>, MarathonSettingsValidator>();
        services.AddSingleton(sp => Compose(sp.GetRequiredService<IOptions<MarathonSettings>>().Value, sp.GetRequiredService<ClusterContext>(),
            sp.GetRequiredService<IRuntimeEngines>(), sp.GetRequiredService<ILoggerFactory>()));
        return services.AddOrchestratorAdapter(Kind, sp => sp.GetRequiredService<MarathonComposition>().Adapter, sp => sp.GetRequiredService<MarathonComposition>().Traffic);
    }

    /// <summary>The adapter's parts, built once when the kind runs.</summary>
    public sealed record MarathonComposition(MarathonAdapter Adapter, MarathonTrafficSwitch Traffic, MarathonApi Api);

    /// <summary>Builds the adapter from checked settings (also what tests use, with a mock Marathon's URL).</summary>
    public static MarathonComposition Compose(MarathonSettings settings, ClusterContext cluster, IRuntimeEngines engines, ILoggerFactory loggers)
    {
        var problems = new List<string>();
        var runtime = new RuntimeAppOptions
        {
            Cluster = cluster.Cluster,
            RuntimeImage = settings.RuntimeImage,
            AppGroup = settings.AppGroup,
            ModuleHostPath = settings.ModuleHostPath,
            DotnetHostPath = settings.ModuleHostPath.Length == 0 ? "" : settings.DotnetHostPath.Length > 0 ? settings.DotnetHostPath : DefaultDotnetRoot(),
            Privileged = settings.Privileged,
            MemoryBackedState = settings.MemoryBackedState,
            Cpus = settings.RuntimeCpus,
            MemoryMiB = settings.RuntimeMemoryMiB,
            Constraints = PlacementRules.Constraints(settings.Constraints, problems),
            AcceptedResourceRoles = PlacementRules.Roles(settings.AcceptedResourceRoles),
            HaproxyGroup = settings.HaproxyGroup,
            RelayDirectory = settings.RelayDirectory.Length > 0 ? settings.RelayDirectory : Path.Combine(cluster.StateDirectory, $"relay-{cluster.Cluster}"),
            RelayHost = settings.RelayHost,
            MaxTrafficHold = settings.MaxTrafficHold,
            RelayUser = HostUser.UidGid(),
        };
        var ports = PlacementRules.ServicePorts(settings.ServicePortRange, problems);
        if (problems.Count > 0 || ports is not { } range) throw FederationException.InvalidArgument(string.Join("; ", problems));
        var api = new MarathonApi(HttpClientFor(settings), cluster.Cluster, settings.LockWaitTimeout, loggers.CreateLogger<MarathonApi>());
        var tracker = new DeploymentTracker(api, settings.DeploymentTimeout, loggers.CreateLogger<DeploymentTracker>());
        var traffic = new MarathonTrafficSwitch(api, tracker, new RelayAppBuilder(runtime), settings.LoadBalancerHost, range, loggers.CreateLogger<MarathonTrafficSwitch>());
        var options = new MarathonAdapterOptions
        {
            Cluster = cluster.Cluster,
            MaxWorkloads = settings.MaxWorkloads,
            WatchInterval = settings.WatchInterval,
            ReadyTimeout = settings.DeploymentTimeout,
            ImageDockerSocket = settings.ImagesFromDockerSocket ? settings.ImageDockerSocketPath() : "",
            RegistryPulls = settings.ImagesFromDockerSocket ? null : settings.ToRegistryPulls(),
        };
        var state = new MarathonAdapterState(Path.Combine(cluster.StateDirectory, $"marathon-adapter-{cluster.Cluster}.json"));
        var adapter = new MarathonAdapter(api, tracker, new RuntimeAppBuilder(runtime), traffic, state, engines, options, loggers.CreateLogger<MarathonAdapter>());
        return new MarathonComposition(adapter, traffic, api);
    }

    /// <summary>One client for Marathon: its base URL, the credentials (HTTP basic, or a DC/OS token as <c>Authorization: token=...</c>) and the request timeout.</summary>
    public static HttpClient HttpClientFor(MarathonSettings settings)
    {
        var url = settings.MarathonUrl.EndsWith('/') ? settings.MarathonUrl : settings.MarathonUrl + "/";
        var http = new HttpClient { BaseAddress = new Uri(url), Timeout = settings.RequestTimeout };
        if (settings.TokenFile.Length > 0)
        {
            var token = SecretFile.TryRead(settings.TokenFile, out var problem) ?? throw FederationException.InvalidArgument($"--marathon-token-file {settings.TokenFile} {problem}");
            http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"token={token}");
        }
        else if (settings.Username.Length > 0)
        {
            var password = SecretFile.TryRead(settings.PasswordFile, out var problem) ?? throw FederationException.InvalidArgument($"--marathon-password-file {settings.PasswordFile} {problem}");
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.Username}:{password}")));
        }
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return http;
    }

    private static string DefaultDotnetRoot()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root) return root;
        var runtime = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        return Path.GetFullPath(Path.Combine(runtime, "..", "..", ".."));
    }
}
