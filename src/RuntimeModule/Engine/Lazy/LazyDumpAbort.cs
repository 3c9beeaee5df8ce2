using System.Net;
using System.Net.Sockets;
using Federation.Common;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>
/// Stops a lazy dump whose pages will not all be served (its tunnel broke, or no destination came) without letting the app
/// run on here or die: the app's cgroup is frozen first, then CRIU's page server is sent a command it does not know. CRIU
/// then ends the dump as it ends any failed dump, releasing the app and lifting its network lock, and the frozen cgroup keeps
/// the app stopped with all its memory: an unfinished dump (its work directory stays) that Resume thaws. Only a CRIU that
/// does not end within 10 s is killed.
/// <para>
/// Killing CRIU first is no way out: tried, the app died with it. And a page server whose client merely disconnects ends
/// the dump as if every page had been served, killing the app.
/// </para>
/// </summary>
public sealed partial class LazyDumpAbort(ContainerFreezer freezer, ILogger<LazyDumpAbort> logger)
{
    /// <summary>A page-server request (<c>struct page_server_iov</c>: cmd, nr_pages, vaddr, dst_id) whose command CRIU does not know.</summary>
    private static readonly byte[] UnknownCommand = [0xff, 0xff, 0xff, 0x7f, .. new byte[20]];

    private static readonly TimeSpan EndLimit = TimeSpan.FromSeconds(10);

    /// <param name="connection">The tunnel's connection to the page server, if it has one (CRIU serves one connection only).</param>
    public async Task AbortAsync(LazyDump dump, Socket? connection, string why)
    {
        dump.MarkAbandoned();
        LogAborting(logger, dump.App, dump.Checkpoint, why);
        try
        {
            await freezer.FreezeAsync(dump.App, dump.ContainerId, CancellationToken.None);
        }
        catch (Exception e) when (e is FederationException or IOException or UnauthorizedAccessException)
        {
            LogFreezeFailed(logger, dump.App, e.Message);
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            if (connection is null || !connection.Connected)
            {
                connection = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await connection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, dump.Port), timeout.Token);
            }
            await connection.SendAsync(UnknownCommand, SocketFlags.None, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            LogSendFailed(logger, dump.App, e.Message);
        }
        if (await Task.WhenAny(dump.Finished, Task.Delay(EndLimit)) != dump.Finished) dump.Kill();
        await dump.Finished;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: stopping lazy checkpoint {Checkpoint} ({Why}); the app stays here, frozen")]
    private static partial void LogAborting(ILogger logger, string app, string checkpoint, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: could not freeze it before ending its lazy dump: {Reason}")]
    private static partial void LogFreezeFailed(ILogger logger, string app, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "app {App}: could not tell its page server to stop: {Reason}")]
    private static partial void LogSendFailed(ILogger logger, string app, string reason);
}
