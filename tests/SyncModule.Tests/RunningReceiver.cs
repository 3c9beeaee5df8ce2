using Federation.SyncModule.Hosting;
using Federation.SyncModule.Receiver;
using Federation.SyncModule.Sender;
using Grpc.Net.Client;

namespace Federation.SyncModule.Tests;

/// <summary>A receiver on 127.0.0.1 (port 0) writing into a temp root, and a channel to it.</summary>
public sealed class RunningReceiver : IAsyncDisposable
{
    private readonly TempDirectory root;

    private RunningReceiver(TempDirectory root, SyncReceiverHost host, GrpcChannel channel)
    {
        this.root = root;
        Host = host;
        Channel = channel;
    }

    public SyncReceiverHost Host { get; }
    public GrpcChannel Channel { get; }
    public string Root => root.Path;
    public ISyncTokenIssuer Tokens => Host.Tokens;
    public SyncReceiverStats Stats => Host.Receiver.Stats;

    public static async Task<RunningReceiver> StartAsync(Action<SyncReceiverHostOptions>? configure = null, SyncClientTls? tls = null)
    {
        var root = new TempDirectory("fedsync-root");
        var options = new SyncReceiverHostOptions { Receiver = new SyncReceiverOptions { RootDirectory = root.Path } };
        configure?.Invoke(options);
        var host = await SyncReceiverHost.StartAsync(options, CancellationToken.None);
        return new RunningReceiver(root, host, SyncChannelFactory.Create(host.Endpoint, tls));
    }

    public string PathOf(string relative) => Path.Join(Root, relative);

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Host.DisposeAsync();
        root.Dispose();
    }
}
