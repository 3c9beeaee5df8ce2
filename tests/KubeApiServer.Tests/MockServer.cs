using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Federation.Tests.Kube.Tests;

/// <summary>Helpers shared by the tests: a started server with a token (HTTPS), a KubernetesClient for it, Status parsing.</summary>
public static class MockServer
{
    public const string Token = "mock-token-0123456789";

    public static Task<KubeApiServer> StartAsync(KubeFlavor flavor = KubeFlavor.Kubernetes, bool gracefulPodDeletion = false) =>
        KubeApiServer.StartAsync(new KubeApiServerOptions
        {
            Flavor = flavor,
            NodeName = flavor == KubeFlavor.K3s ? "edge-1" : "worker-1",
            NodeInternalIP = "127.0.0.1",
            BearerToken = Token,
            GracefulPodDeletion = gracefulPodDeletion,
        }, CancellationToken.None);

    public static Kubernetes Client(KubeApiServer server) => new(server.ClientConfiguration());

    /// <summary>The v1.Status body of a refused request.</summary>
    public static V1Status StatusOf(HttpOperationException refused)
    {
        var status = KubernetesJson.Deserialize<V1Status>(refused.Response.Content);
        Assert.That(status.Kind, Is.EqualTo("Status"), refused.Response.Content);
        return status;
    }

    public static V1Pod Pod(string name, string ns, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "registry.local/app:1", Ports = [new V1ContainerPort { ContainerPort = 8080 }] }] },
    };

    public static async Task<string> NamespaceAsync(Kubernetes client, string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } }).ConfigureAwait(false);
        return name;
    }
}
