using Federation.Adapters.Kubernetes.Cluster;
using Federation.Tests.Kube;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using MockFlavor = Federation.Tests.Kube.KubeFlavor;

namespace Federation.Kubernetes.Tests;

/// <summary>A mock kube-apiserver with the adapter's API client on it.</summary>
internal sealed class MockCluster : IAsyncDisposable
{
    private MockCluster(KubeApiServer server, KubeApi api)
    {
        Server = server;
        Api = api;
    }

    public KubeApiServer Server { get; }
    public KubeApi Api { get; }
    public IKubernetes Client => Api.Client;

    public static Task<MockCluster> StartAsync(MockFlavor flavor, TimeSpan? clientTimeout = null) =>
        StartAsync(new KubeApiServerOptions { Flavor = flavor, NodeName = flavor == MockFlavor.K3s ? "k3s-node-1" : "node-1" }, clientTimeout);

    public static async Task<MockCluster> StartAsync(KubeApiServerOptions serverOptions, TimeSpan? clientTimeout = null)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var server = await KubeApiServer.StartAsync(serverOptions, timeout.Token);
        var configuration = server.ClientConfiguration();
        if (clientTimeout is { } limit) configuration.HttpClientTimeout = limit;
        return new MockCluster(server, new KubeApi(new k8s.Kubernetes(configuration), "a", NullLoggerFactory.Instance));
    }

    public static V1Pod Pod(string name, string ns = "default", Dictionary<string, string>? labels = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels ?? new Dictionary<string, string> { ["watched"] = "yes" } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "busybox" }] },
    };

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
