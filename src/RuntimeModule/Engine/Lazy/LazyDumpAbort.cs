using System.Net;
using System.Net.Sockets;
using Federation.Common;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>
/// Stops a lazy dump whose pages will not all be served (its tunnel broke, or no destination came) without letting the app
/// run on here or die. The app's cgroup is asked to freeze first (its tasks are CRIU's, ptrace-stopped, and freeze as it
/// lets them go), then CRIU's page server is sent a command it does not know, which fails the dump. Observed here, CRIU's
/// failure path then does not finish while the app is frozen, and it is killed after <see cref="EndLimit"/>. Either way the
/// frozen cgroup keeps the app stopped with all its memory: an unfinished dump (its work directory stays) that Resume thaws.
/// <para>
/// Killing CRIU while the app is not frozen is no way out: tried, the app died with it. And a page server whose client
/// merely disconnects ends the dump as if every page had been served, killing the app.
/// </para>
/// </summary>
public sealed partial class LazyDumpAbort(ContainerFreezer freezer, ILogger<LazyDumpAbort> logger)
{
    /// <summary>A page-server request (<c>struct page_server_iov</c>: cmd, nr_pages, vaddr, dst_id) whose command CRIU does not know.</summary>
    private static readonly byte[] UnknownCommand = [0xff, 0xff, 0xff, 0x7f, .. new byte[20]];

    /// <summary>
    /// How long CRIU gets to end the dump once told. Observed here: with the app frozen it does not finish its failure path
    /// (it waits on the frozen tasks) and is killed after this; the frozen app survives that with all its memory (tested).
    /// </summary>
    private static readonly TimeSpan EndLimit = TimeSpan.FromSeconds(2);

    /// <param name="connection">The tunnel's connection to the page server, if it has one (CRIU serves one connection only).</param>
    public async Task AbortAsync(LazyDump dump, Socket? connection, string why)
    {
        dump.MarkAbandoned();
        LogAborting(logger, dump.App, dump.Checkpoint, why);
        try
        {
            // Only asked: the app's tasks are CRIU's (ptrace-stopped) and freeze as CRIU lets them go.
            await freezer.RequestFreezeAsync(dump.App, dump.ContainerId, CancellationToken.None);
        }
        catch (Exception e) when (e is FederationException or IOException or UnauthorizedAccessException)
        {
            LogFreezeFailed(logger, dump.App, e.Message);
        }
        using var ending = new CancellationTokenSource(EndLimit);
        var drained = Task.CompletedTask;
        try
        {
            if (connection is null || !connection.Connected)
            {
                connection = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await connection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, dump.Port), ending.Token);
            }
            // The page server may be in the middle of a response nobody reads any more: read it away, or it never reads the command.
            drained = DrainAsync(connection, ending.Token);
            await connection.SendAsync(UnknownCommand, SocketFlags.None, ending.Token);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            LogSendFailed(logger, dump.App, e.Message);
        }
        if (await Task.WhenAny(dump.Finished, Task.Delay(EndLimit, CancellationToken.None)) != dump.Finished)
        {
            LogKilled(logger, dump.App, EndLimit.TotalSeconds);
            dump.Kill();
        }
        await dump.Finished;
        await ending.CancelAsync();
        await drained;
    }

    private static async Task DrainAsync(Socket connection, CancellationToken ct)
    {
        var buffer = new byte[256 << 10];
        try
        {
            while (await connection.ReceiveAsync(buffer, SocketFlags.None, ct) > 0) { }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The page server closed, or the abort is over.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "app {App}: CRIU did not end its lazy dump within {Seconds} s of being told (the app is frozen): killed")]
    private static partial void LogKilled(ILogger logger, string app, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: stopping lazy checkpoint {Checkpoint} ({Why}); the app stays here, frozen")]
    private static partial void LogAborting(ILogger logger, string app, string checkpoint, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: could not freeze it before ending its lazy dump: {Reason}")]
    private static partial void LogFreezeFailed(ILogger logger, string app, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: could not tell its page server to stop: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string app, string reason);
}
