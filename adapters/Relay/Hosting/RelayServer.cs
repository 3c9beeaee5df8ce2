using Federation.Adapters.Relay.Control;
using Federation.Adapters.Relay.Routes;
using Federation.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Federation.Adapters.Relay.Hosting;

/// <summary>
/// The relay process: its routes (listening again on their ports at start) and its control API on a unix socket in
/// its directory. Directory and socket are its owner's only (0700 and 0600): whoever may open the socket is the
/// owner, which is how the relay knows its controller. The process entry and the in-process tests use the same wiring.
/// </summary>
public static class RelayServer
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlySocket = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Starts serving; the routes listen before the control socket answers.</summary>
    public static async Task<WebApplication> StartAsync(RelaySettings settings, Action<ILoggingBuilder>? logging = null, CancellationToken ct = default)
    {
        settings.Validate();
        if (OperatingSystem.IsWindows()) throw FederationException.FailedPrecondition("the relay serves its control API on a unix socket: it runs on Linux");
        Directory.CreateDirectory(settings.Directory);
        File.SetUnixFileMode(settings.Directory, OwnerOnlyDirectory);
        // A socket file left by a relay that died; the relay is the only one serving this directory.
        File.Delete(settings.SocketPath);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss.fff "; });
        logging?.Invoke(builder.Logging);
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(settings.SocketPath, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<RouteTable>();
        builder.Services.AddGrpc(o => o.Interceptors.Add<ErrorMappingInterceptor>());
        var app = builder.Build();
        app.MapGrpcService<RelayControlService>();
        _ = app.Services.GetRequiredService<RouteTable>();
        await app.StartAsync(ct);
        File.SetUnixFileMode(settings.SocketPath, OwnerOnlySocket);
        return app;
    }

    /// <summary>Serves until the process is told to stop (SIGTERM from Docker), then closes its listeners.</summary>
    public static async Task RunAsync(RelaySettings settings, CancellationToken ct)
    {
        await using var app = await StartAsync(settings, ct: ct);
        await app.WaitForShutdownAsync(ct);
    }
}
