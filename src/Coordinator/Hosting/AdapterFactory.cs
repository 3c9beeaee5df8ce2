using Docker.DotNet;
using Federation.Adapters;
using Federation.Adapters.Docker;
using Federation.Coordinator.Options;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Hosting;

/// <summary>Builds the configured orchestrator adapter; the only place that names a concrete one.</summary>
public static class AdapterFactory
{
    public static IOrchestratorAdapter Create(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<CoordinatorOptions>>().Value;
        var adapter = options.Adapter;
        return adapter.Kind switch
        {
            "docker" => new DockerHostAdapter(
                new DockerClientConfiguration(new Uri(adapter.DockerEndpoint)).CreateClient(),
                new DockerHostAdapterOptions
                {
                    Cluster = options.Cluster,
                    NamePrefix = adapter.NamePrefix,
                    MaxWorkloads = adapter.MaxWorkloads,
                    StateDirectory = string.IsNullOrEmpty(adapter.StateDirectory)
                        ? Path.GetDirectoryName(Path.GetFullPath(options.JournalPath))!
                        : adapter.StateDirectory,
                    Launch = new RuntimeLaunchOptions { RuntimeImage = adapter.RuntimeImage, OwnerLabel = $"federation-{adapter.NamePrefix}-{options.Cluster}" },
                },
                services.GetRequiredService<ILoggerFactory>()),
            _ => throw new InvalidOperationException($"adapter kind '{adapter.Kind}' has no implementation here"),
        };
    }
}
