using System.Security.Cryptography.X509Certificates;
using Federation.SyncModule.Receiver;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Federation.SyncModule.Hosting;

/// <summary>
/// A receiver in a Kestrel server of its own (HTTP/2 only), for a sidecar process, benchmarks and
/// tests. Inside an existing server use <c>AddFederationSync</c> and <c>MapFederationSync</c> instead.
/// </summary>
public sealed class SyncReceiverHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private SyncReceiverHost(WebApplication app, Uri endpoint)
    {
        this.app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }
    public ISyncTokenIssuer Tokens => app.Services.GetRequiredService<ISyncTokenIssuer>();
    public SyncReceiver Receiver => app.Services.GetRequiredService<SyncReceiver>();

    public static async Task<SyncReceiverHost> StartAsync(SyncReceiverHostOptions options, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.Http2.InitialConnectionWindowSize = 4 << 20;
            kestrel.Limits.Http2.InitialStreamWindowSize = 1 << 20;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 256;
            kestrel.Listen(options.Address, options.Port, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (options.ServerCertificate is null) return;
                listen.UseHttps(https =>
                {
                    https.ServerCertificate = options.ServerCertificate;
                    if (options.ClientAuthority is not { } authority) return;
                    https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                    https.ClientCertificateValidation = (certificate, _, _) => CertificateChains.ChainsTo(certificate, authority);
                });
            });
        });
        builder.Services.AddFederationSync(receiver => Copy(options.Receiver, receiver));
        var app = builder.Build();
        app.MapFederationSync();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new SyncReceiverHost(app, new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal)));
    }

    private static void Copy(SyncReceiverOptions from, SyncReceiverOptions to)
    {
        to.RootDirectory = from.RootDirectory;
        to.MaxManifestBytes = from.MaxManifestBytes;
        to.MaxEntries = from.MaxEntries;
        to.MaxTotalBytes = from.MaxTotalBytes;
        to.MaxChunkSize = from.MaxChunkSize;
        to.MaxRejectedChunks = from.MaxRejectedChunks;
        to.DefaultTokenLifetime = from.DefaultTokenLifetime;
        to.IdleTransferTimeout = from.IdleTransferTimeout;
        to.IndexedSiblingTransfers = from.IndexedSiblingTransfers;
        to.FlushToDisk = from.FlushToDisk;
        to.HashParallelism = from.HashParallelism;
    }

    public Task StopAsync(CancellationToken cancellationToken) => app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }
}
