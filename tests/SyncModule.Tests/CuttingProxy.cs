using System.Net;
using System.Net.Sockets;

namespace Federation.SyncModule.Tests;

/// <summary>
/// A TCP proxy on 127.0.0.1 that resets its first connection once that connection has carried
/// <c>cutAfterBytes</c> from client to server; later connections pass untouched.
/// </summary>
public sealed class CuttingProxy : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly Uri target;
    private readonly long cutAfterBytes;
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> tasks = [];
    private int connections;

    public CuttingProxy(Uri target, long cutAfterBytes)
    {
        this.target = target;
        this.cutAfterBytes = cutAfterBytes;
        listener.Start();
        tasks.Add(AcceptAsync());
    }

    public Uri Endpoint => new($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
    public int Connections => Volatile.Read(ref connections);
    public bool Cut { get; private set; }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var first = Interlocked.Increment(ref connections) == 1;
            lock (tasks) tasks.Add(ServeAsync(client, first ? cutAfterBytes : long.MaxValue));
        }
    }

    private async Task ServeAsync(TcpClient client, long limit)
    {
        using var server = new TcpClient();
        using var _ = client;
        try
        {
            await server.ConnectAsync(target.Host, target.Port, stop.Token);
            using var pair = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            var up = PumpAsync(client.GetStream(), server.GetStream(), limit, pair.Token);
            var down = PumpAsync(server.GetStream(), client.GetStream(), long.MaxValue, pair.Token);
            await Task.WhenAny(up, down);
            if (up.IsCompletedSuccessfully && up.Result) Cut = true;
            await pair.CancelAsync();
            client.Client.LingerState = new LingerOption(true, 0);
            server.Client.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
        }
    }

    /// <summary>True when the limit was reached (the connection is to be cut).</summary>
    private static async Task<bool> PumpAsync(Stream from, Stream to, long limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 << 10];
        long total = 0;
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - total)), cancellationToken);
                if (n == 0) return false;
                await to.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                total += n;
                if (total >= limit) return true;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        Task[] all;
        lock (tasks) all = [.. tasks];
        await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        stop.Dispose();
    }
}
