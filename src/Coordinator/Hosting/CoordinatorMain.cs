using Federation.Coordinator.Tls;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Hosting;

/// <summary>The process entry: runs the coordinator until shutdown; a bad configuration is one line on stderr and exit code 2.</summary>
public static class CoordinatorMain
{
    public const int InvalidConfiguration = 2;

    /// <param name="adapters">The adapter kinds the host offers; the configured one runs.</param>
    public static async Task<int> RunAsync(string[] args, IReadOnlyList<Adapters.AdapterModule> adapters, TextWriter error, CancellationToken ct)
    {
        try
        {
            await using var app = CoordinatorApp.Build(args, adapters);
            await app.StartAsync(ct);
            await app.WaitForShutdownAsync(ct);
            return 0;
        }
        catch (OptionsValidationException e)
        {
            await error.WriteLineAsync($"federation-coordinator: invalid configuration: {string.Join("; ", e.Failures)}");
            return InvalidConfiguration;
        }
        catch (TlsConfigurationException e)
        {
            await error.WriteLineAsync($"federation-coordinator: invalid configuration: {e.Message}");
            return InvalidConfiguration;
        }
    }
}
