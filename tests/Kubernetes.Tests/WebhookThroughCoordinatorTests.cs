using System.Text;
using Federation.Adapters.Kubernetes;
using Federation.Coordinator.Hosting;
using Federation.Tests.Kube;
using Federation.Testing;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Kubernetes.Tests;

/// <summary>
/// The webhook as a cluster uses it: a coordinator with the Kubernetes adapter serves it over HTTPS on a listener of its
/// own (the core's HTTP seam), and the mock API server calls it for every pod created, as a MutatingWebhookConfiguration says.
/// </summary>
[TestFixture]
public sealed class WebhookThroughCoordinatorTests
{
    private string directory = null!;
    private KubeApiServer server = null!;
    private WebApplication coordinator = null!;
    private IKubernetes client = null!;
    private CancellationTokenSource timeout = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        directory = Directory.CreateTempSubdirectory("fedtest-webhook-").FullName;
        server = await KubeApiServer.StartAsync(new KubeApiServerOptions { Flavor = Federation.Tests.Kube.KubeFlavor.Kubernetes, NodeName = "node-1", BearerToken = "fedtest-token" }, timeout.Token);
        var kubeconfig = server.WriteKubeconfig(Path.Combine(directory, "kubeconfig"));
        var pki = new TestCertificates(directory);
        var authority = pki.CreateAuthority("fedtest-webhook-ca");
        var serving = pki.CreateServer("fedtest-webhook", authority);
        coordinator = CoordinatorApp.Build(["--cluster", "w", "--port", "0", "--journal", Path.Combine(directory, "w.db"), "--adapter", "kubernetes",
            "--kubeconfig", kubeconfig, "--runtime-image", "registry.test/federation/runtime:1", "--webhook-port", "0",
            "--Coordinator:Adapter:WebhookAddress=127.0.0.1", "--webhook-cert", serving.Certificate, "--webhook-key", serving.Key],
            [KubernetesAdapterRegistration.Module]);
        await coordinator.StartAsync(timeout.Token);
        var addresses = coordinator.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        TestContext.Out.WriteLine($"listening on {string.Join(", ", addresses)}");
        var https = addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal));
        TestContext.Out.WriteLine($"webhook at {https}");
        client = new k8s.Kubernetes(server.ClientConfiguration());
        await Federation.Tests.Kube.Admission.PodMutatingWebhook.RegisterAsync(client, $"{https.TrimEnd('/')}/mutate-pods", File.ReadAllText(authority.Certificate), timeout.Token);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await coordinator.StopAsync(CancellationToken.None);
        await coordinator.DisposeAsync();
        await server.DisposeAsync();
        timeout.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    private static V1Pod Pod(string name, bool annotated, int containers = 1) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "default",
            Annotations = annotated ? new Dictionary<string, string> { [FederationLabels.Migratable] = "true" } : null,
        },
        Spec = new V1PodSpec
        {
            Containers = Enumerable.Range(0, containers).Select(i => new V1Container
            {
                Name = i == 0 ? "counter" : $"side{i}",
                Image = "registry.test/testapp:1",
                Ports = i == 0 ? [new V1ContainerPort { ContainerPort = 8080 }] : null,
            }).ToList(),
        },
    };

    [Test]
    public async Task An_annotated_pod_is_stored_in_the_runtime_form()
    {
        var created = await client.CoreV1.CreateNamespacedPodAsync(Pod("counter-a", annotated: true), "default", cancellationToken: timeout.Token);
        Assert.That(created.Spec.Containers.Select(c => c.Name), Is.EqualTo(new[] { "runtime", "engine", "counter-ambassador" }));
        Assert.That(created.Spec.ShareProcessNamespace, Is.True);
        Assert.That(created.Metadata.Labels[FederationLabels.Workload], Is.EqualTo("counter"));
        var stored = await client.CoreV1.ReadNamespacedPodAsync("counter-a", "default", cancellationToken: timeout.Token);
        Assert.That(stored.Spec.Containers[0].SecurityContext.Privileged, Is.True);
        Assert.That(stored.Metadata.Annotations[FederationLabels.RuntimeForm], Is.EqualTo("v1"));
    }

    [Test]
    public async Task A_pod_without_the_annotation_is_stored_as_written()
    {
        var created = await client.CoreV1.CreateNamespacedPodAsync(Pod("plain", annotated: false), "default", cancellationToken: timeout.Token);
        Assert.That(created.Spec.Containers.Select(c => c.Name), Is.EqualTo(new[] { "counter" }));
        Assert.That(created.Metadata.Labels?.ContainsKey(FederationLabels.Runtime) ?? false, Is.False);
    }

    [Test]
    public void A_pod_it_cannot_rewrite_is_refused_with_its_message_and_not_stored()
    {
        // Several app containers are a workload of several; one whose name is no DNS label cannot be one of them.
        var pod = Pod("two", annotated: true, containers: 2);
        pod.Spec.Containers[1].Name = "Side1";
        var e = Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodAsync(pod, "default", cancellationToken: timeout.Token))!;
        TestContext.Out.WriteLine(e.Response.Content);
        Assert.That((int)e.Response.StatusCode, Is.EqualTo(422));
        Assert.That(e.Response.Content, Does.Contain("federation: pod two cannot be made migratable: app container name ").And.Contain("Side1").And.Contain(" is not a DNS label"));
        Assert.That(async () => await client.CoreV1.ReadNamespacedPodAsync("two", "default", cancellationToken: timeout.Token), Throws.InstanceOf<HttpOperationException>());
    }
}
