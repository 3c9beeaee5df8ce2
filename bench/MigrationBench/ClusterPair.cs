using Federation.Common.Auth;
using System.Net;
using System.Net.Sockets;

namespace Federation.MigrationBench;

/// <summary>Clusters a and b as scripts/run.sh makes them: two coordinators that know each other by a shared secret.</summary>
public sealed class ClusterPair : IAsyncDisposable
{
    private ClusterPair(CoordinatorProcess a, CoordinatorProcess b)
    {
        A = a;
        B = b;
    }

    public CoordinatorProcess A { get; }
    public CoordinatorProcess B { get; }

    public static async Task<ClusterPair> StartAsync(BenchOptions options, string work, CancellationToken ct)
    {
        if (!File.Exists(options.CoordinatorDll)) throw new BenchException($"{options.CoordinatorDll} does not exist (build src/CoordinatorHost -c Release)");
        // The secret clusters a and b share, readable by its owner only.
        var secret = Path.Combine(work, "peer-secret-a-b");
        SecretFile.LoadOrCreate(secret);
        int portA = FreePort(), portB = FreePort();
        var a = CoordinatorProcess.Start(options, work, "a", portA, "b", portB, secret);
        var b = CoordinatorProcess.Start(options, work, "b", portB, "a", portA, secret);
        var pair = new ClusterPair(a, b);
        try
        {
            await Task.WhenAll(a.WaitReadyAsync(work, ct), b.WaitReadyAsync(work, ct));
            return pair;
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}
