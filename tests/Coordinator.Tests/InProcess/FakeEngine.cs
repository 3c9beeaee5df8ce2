using System.Net;
using Federation.V1;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// A runtime Engine that answers what a migration's start asks (its apps as running, its runtime as the fake adapter's offer
/// describes it) on 127.0.0.1 (h2c); every other call is Unimplemented. Enough for a migration to be negotiated and started in
/// process; tests stop it at the first step with <see cref="Support.PausingHooks"/>.
/// </summary>
public sealed class FakeEngine : Engine.EngineBase, IAsyncDisposable
{
    private WebApplication? app;

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1:1");

    public DescribeResponse Description { get; init; } = new FakeAdapter().Offer.Runtime;

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(this);
        app = builder.Build();
        app.MapGrpcService<FakeEngine>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Endpoint = new Uri($"http://127.0.0.1:{new Uri(address).Port}");
    }

    /// <summary>Every app asked for runs, at generation 1, from image "app:1" (the fake adapter's offer has it).</summary>
    public override Task<App> GetApp(GetAppRequest request, ServerCallContext context) => Task.FromResult(new App
    {
        Spec = new AppSpec { Name = request.Name, Image = "app:1" },
        State = AppState.Running,
        ContainerId = "c-" + request.Name,
        Generation = 1,
    });

    public override Task<DescribeResponse> Describe(DescribeRequest request, ServerCallContext context) => Task.FromResult(Description);

    public async ValueTask DisposeAsync()
    {
        if (app is null) return;
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
