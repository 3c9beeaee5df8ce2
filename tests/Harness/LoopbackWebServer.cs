using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Harness;

/// <summary>The mock servers' Kestrel: on 127.0.0.1 at a free port, no log providers, every request to one handler.</summary>
public static class LoopbackWebServer
{
    /// <summary>Builds (does not start) the server; <paramref name="listen"/> sets the protocols and TLS of its one endpoint.</summary>
    public static WebApplication Create(long maxRequestBodySize, Action<ListenOptions> listen, RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = maxRequestBodySize;
            kestrel.Listen(IPAddress.Loopback, 0, listen);
        });
        var app = builder.Build();
        app.Run(handler);
        return app;
    }

    /// <summary>Starts the server and returns the port it got.</summary>
    public static async Task<int> StartAsync(WebApplication app, CancellationToken ct)
    {
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address).Port;
    }

    /// <summary>Stops listening, giving open requests at most <paramref name="bound"/> to finish.</summary>
    public static async Task StopAsync(WebApplication app, TimeSpan bound, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(bound);
        await app.StopAsync(bounded.Token).ConfigureAwait(false);
    }
}
