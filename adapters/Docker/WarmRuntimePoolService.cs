using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Federation.Adapters.Docker;

/// <summary>
/// Runs the Docker-host adapter's <see cref="WarmRuntimePool"/> for the coordinator's lifetime when "docker" is the kind that runs:
/// removes spares an earlier run left and fills the pool at start, removes the spares at stop.
/// </summary>
public sealed class WarmRuntimePoolService(IServiceProvider services) : IHostedService
{
    private WarmRuntimePool? pool;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetRequiredService<ClusterContext>().AdapterKind != DockerAdapterRegistration.Kind) return;
        var adapter = services.GetRequiredService<DockerHostAdapter>();
        if (adapter.Pool.Size == 0) return;
        pool = adapter.Pool;
        await pool.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (pool is not null) await pool.DisposeAsync();
    }
}
