using System.Net.Sockets;
using Federation.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>
/// The two halves of a page tunnel: CRIU's page-server connection (a TCP socket on 127.0.0.1 of a runtime) carried as
/// <see cref="PageTunnelFrame"/>s of a gRPC stream, so pages travel between runtimes over the Engines' port and nothing else.
/// </summary>
public static class PageTunnel
{
    private const int FrameBytes = 256 << 10;

    /// <summary>Sends what the socket reads until it ends (the end is not sent: the caller completes the stream).</summary>
    public static Task SocketToFramesAsync(Socket socket, IAsyncStreamWriter<PageTunnelFrame> frames, Action<int> counted, CancellationToken ct) =>
        SocketToFramesAsync(socket, frames, (read, _) =>
        {
            counted(read);
            return Task.CompletedTask;
        }, ct);

    /// <summary>As above, with a callback that may hold the relay after each frame (a test hook).</summary>
    public static async Task SocketToFramesAsync(Socket socket, IAsyncStreamWriter<PageTunnelFrame> frames, Func<int, CancellationToken, Task> sent,
        CancellationToken ct)
    {
        var buffer = new byte[FrameBytes];
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct);
            if (read == 0) return;
            await frames.WriteAsync(new PageTunnelFrame { Data = ByteString.CopyFrom(buffer, 0, read) }, ct);
            await sent(read, ct);
        }
    }

    /// <summary>Writes every frame's bytes into the socket until the stream ends, then ends the socket's sending side.</summary>
    public static async Task FramesToSocketAsync(IAsyncStreamReader<PageTunnelFrame> frames, Socket socket, Action<int> counted, CancellationToken ct)
    {
        while (await frames.MoveNext(ct))
        {
            var data = frames.Current.Data.Memory;
            for (var sent = 0; sent < data.Length;) sent += await socket.SendAsync(data[sent..], SocketFlags.None, ct);
            counted(data.Length);
        }
        socket.Shutdown(SocketShutdown.Send);
    }

    /// <summary>Both halves at once: the first failure cancels the other.</summary>
    public static async Task RelayAsync(Func<CancellationToken, Task> one, Func<CancellationToken, Task> other, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var halves = new[] { Guard(one, linked), Guard(other, linked) };
        await Task.WhenAll(halves);
    }

    /// <summary>
    /// Both halves until <paramref name="decisive"/> ends: then the other is stopped (a gRPC server ends its response stream
    /// only by returning). The first failure of either cancels both.
    /// </summary>
    public static async Task RelayUntilAsync(Func<CancellationToken, Task> decisive, Func<CancellationToken, Task> other, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var rest = Guard(other, linked);
        await Guard(decisive, linked);
        await linked.CancelAsync();
        try
        {
            await rest;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Stopped because the decisive half ended.
        }
    }

    private static async Task Guard(Func<CancellationToken, Task> half, CancellationTokenSource all)
    {
        try
        {
            await half(all.Token);
        }
        catch
        {
            await all.CancelAsync();
            throw;
        }
    }
}
