using Federation.Adapters;
using Federation.Adapters.Mesos;
using Federation.Coordinator.Engines;
using Microsoft.Extensions.Logging;

namespace Federation.Mesos.Tests;

/// <summary>The Marathon adapter as the coordinator composes it, against a (mock) Marathon, with the core's real Engine client.</summary>
internal sealed class AdapterUnderTest : IDisposable
{
    public const string Group = "/fedtest-madapter";
    private readonly RuntimeEngines engines = new($"fedtest-{Guid.NewGuid():N}");
    private readonly ILoggerFactory loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));

    public AdapterUnderTest(Uri marathon, string agentAddress, Action<MarathonSettings>? tweak = null)
    {
        StateDirectory = Directory.CreateTempSubdirectory("fedtest-madapter-").FullName;
        var settings = new MarathonSettings
        {
            MarathonUrl = marathon.ToString(),
            RuntimeImage = TestImages.Runtime,
            AppGroup = Group,
            // Modules and .NET of this build, mounted from the host as the Docker adapter does (test harness).
            ModuleHostPath = Path.GetDirectoryName(typeof(Federation.RuntimeModule.RuntimeModuleOptions).Assembly.Location)!,
            ImageDockerSocket = "/var/run/docker.sock",
            LoadBalancerHost = agentAddress,
            RuntimeMemoryMiB = 512,
            RuntimeCpus = 0.5,
            DeploymentTimeout = TimeSpan.FromSeconds(120),
            LockWaitTimeout = TimeSpan.FromSeconds(10),
            RelayDirectory = Path.Combine(StateDirectory, "relay"),
        };
        tweak?.Invoke(settings);
        Settings = settings;
        var composition = MarathonAdapterRegistration.Compose(settings, new ClusterContext("mesos-a", StateDirectory, "marathon"), engines, loggers);
        Adapter = composition.Adapter;
        Traffic = composition.Traffic;
    }

    public string StateDirectory { get; }
    public MarathonSettings Settings { get; }
    public MarathonAdapter Adapter { get; }
    public ITrafficSwitch Traffic { get; }

    public static string RuntimeAppPrefix => $"{Group}/runtimes/";
    public static string RelayAppId(WorkloadId id) => $"{Group}/addresses/{id.Namespace}/{id.Name}";

    public void Dispose()
    {
        Adapter.Dispose();
        ((IDisposable)Traffic).Dispose();
        engines.Dispose();
        loggers.Dispose();
        try { Directory.Delete(StateDirectory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The images scripts/setup.sh builds (FEDERATION_RUNTIME_IMAGE, FEDERATION_TESTAPP_IMAGE); a test that needs them fails without them.</summary>
internal static class TestImages
{
    public static string Runtime => Environment.GetEnvironmentVariable("FEDERATION_RUNTIME_IMAGE") is { Length: > 0 } image ? image
        : throw new InvalidOperationException("FEDERATION_RUNTIME_IMAGE is not set: run eval \"$(bash scripts/setup.sh)\" and export it");

    public static string TestApp => Environment.GetEnvironmentVariable("FEDERATION_TESTAPP_IMAGE") is { Length: > 0 } image ? image
        : throw new InvalidOperationException("FEDERATION_TESTAPP_IMAGE is not set: run eval \"$(bash scripts/setup.sh)\" and export it");
}
