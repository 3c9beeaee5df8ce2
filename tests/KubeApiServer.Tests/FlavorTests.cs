using k8s;

namespace Federation.Tests.Kube.Tests;

/// <summary>Kubernetes and K3s differ where a client can tell: version, node labels and runtime, default StorageClass, service network.</summary>
public sealed class FlavorTests
{
    [Test]
    public async Task K3sLooksLikeK3s()
    {
        await using var server = await KubeApiServer.StartAsync(new KubeApiServerOptions { Flavor = KubeFlavor.K3s, NodeName = "edge-1", NodeInternalIP = "127.0.0.7" }, CancellationToken.None);
        using var client = new Kubernetes(server.ClientConfiguration());
        var version = await client.Version.GetCodeAsync();
        Assert.That(version.GitVersion, Is.EqualTo("v1.31.4+k3s1"));
        var node = (await client.CoreV1.ListNodeAsync()).Items.Single();
        Assert.Multiple(() =>
        {
            Assert.That(node.Metadata.Name, Is.EqualTo("edge-1"));
            Assert.That(node.Metadata.Labels["node.kubernetes.io/instance-type"], Is.EqualTo("k3s"));
            Assert.That(node.Status.NodeInfo.ContainerRuntimeVersion, Is.EqualTo("containerd://1.7.23-k3s2"));
            Assert.That(node.Status.Addresses.Single(a => a.Type == "InternalIP").Address, Is.EqualTo("127.0.0.7"));
            Assert.That(node.Status.Allocatable.Keys, Is.SupersetOf(new[] { "cpu", "memory" }));
        });
        var storage = (await client.StorageV1.ListStorageClassAsync()).Items.Single();
        Assert.That(storage.Metadata.Name, Is.EqualTo("local-path"));
        Assert.That(storage.Provisioner, Is.EqualTo("rancher.io/local-path"));
        Assert.That(storage.Metadata.Annotations["storageclass.kubernetes.io/is-default-class"], Is.EqualTo("true"));
        var kubernetes = await client.CoreV1.ReadNamespacedServiceAsync("kubernetes", "default");
        Assert.That(kubernetes.Spec.ClusterIP, Is.EqualTo("10.43.0.1"));
    }

    [Test]
    public async Task KubernetesLooksLikeUpstreamAndAKubeconfigLoads()
    {
        await using var server = await KubeApiServer.StartAsync(KubeFlavor.Kubernetes, CancellationToken.None);
        var path = Path.Combine(Path.GetTempPath(), $"kmock-{Guid.NewGuid():N}.kubeconfig");
        try
        {
            server.WriteKubeconfig(path);
            using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
            Assert.That((await client.Version.GetCodeAsync()).GitVersion, Is.EqualTo("v1.31.4"));
            var node = (await client.CoreV1.ListNodeAsync()).Items.Single();
            Assert.That(node.Metadata.Labels.ContainsKey("node.kubernetes.io/instance-type"), Is.False);
            Assert.That(node.Status.NodeInfo.ContainerRuntimeVersion, Does.StartWith("containerd://"));
            Assert.That((await client.StorageV1.ListStorageClassAsync()).Items, Is.Empty);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
