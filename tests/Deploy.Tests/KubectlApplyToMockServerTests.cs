using k8s;
using k8s.Models;
using Federation.Tests.Kube;

namespace Federation.Deploy.Tests;

/// <summary>
/// The real <c>kubectl apply -f deploy/</c> (with the webhook certificate make-webhook-cert.sh makes) against the mock
/// kube-apiserver of tests/KubeApiServer, over HTTPS with a bearer token and kubectl's own validation: every object is
/// created as written, and applying again changes nothing.
/// </summary>
[NonParallelizable]
public sealed class KubectlApplyToMockServerTests
{
    private string directory = "";

    [SetUp]
    public void MakeDirectory() => directory = Directory.CreateTempSubdirectory("fedreg-kubectl-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(directory, recursive: true);

    [Test]
    public async Task Kubectl_apply_creates_every_object_of_deploy_and_a_second_apply_changes_nothing()
    {
        var manifests = Path.Combine(directory, "deploy");
        Directory.CreateDirectory(manifests);
        foreach (var file in Manifests.Files()) File.Copy(file, Path.Combine(manifests, Path.GetFileName(file)));
        var made = Manifests.Run("bash", [Path.Combine(Manifests.DeployDirectory, "make-webhook-cert.sh"), manifests], TimeSpan.FromMinutes(1));
        Assert.That(made.Exit, Is.Zero, made.Err);

        await using var server = await KubeApiServer.StartAsync(new KubeApiServerOptions
        {
            Flavor = KubeFlavor.Kubernetes,
            NodeName = "worker-1",
            NodeInternalIP = "127.0.0.1",
            BearerToken = "deploy-test-token-0123456789",
        }, CancellationToken.None);
        var kubeconfig = server.WriteKubeconfig(Path.Combine(directory, "kubeconfig"));

        var first = Kubectl(kubeconfig, "apply", "-f", manifests);
        Assert.That(first.Exit, Is.Zero, first.Out + first.Err);
        Assert.That(first.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.All.EndsWith(" created"), first.Out);

        using var client = new Kubernetes(server.ClientConfiguration());
        var webhook = await client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync("federation-coordinator");
        var secret = await client.CoreV1.ReadNamespacedSecretAsync("federation-webhook-tls", "federation");
        var role = await client.RbacAuthorizationV1.ReadClusterRoleAsync("federation-coordinator");
        var service = await client.CoreV1.ReadNamespacedServiceAsync("federation-coordinator", "federation");
        var app = await client.AppsV1.ReadNamespacedDeploymentAsync("counter", "federation-demo");
        var written = Manifests.Load(manifests);
        Assert.Multiple(() =>
        {
            Assert.That(webhook.Webhooks.Single().ClientConfig.CaBundle,
                Is.EqualTo(Manifests.Single<V1MutatingWebhookConfiguration>(written, "federation-coordinator").Webhooks.Single().ClientConfig.CaBundle));
            Assert.That(webhook.Webhooks.Single().FailurePolicy, Is.EqualTo("Fail"));
            Assert.That(secret.Type, Is.EqualTo("kubernetes.io/tls"));
            Assert.That(role.Rules, Has.Count.EqualTo(Manifests.Single<V1ClusterRole>(written, "federation-coordinator").Rules.Count));
            Assert.That(service.Spec.Ports.Single(p => p.Port == 443).TargetPort.Value, Is.EqualTo("webhook"));
            Assert.That(service.Spec.ClusterIP, Is.Not.Empty, "the server gave the Service its address");
            Assert.That(app.Spec.Template.Metadata.Annotations["federation.io/migratable"], Is.EqualTo("true"));
        });

        var again = Kubectl(kubeconfig, "apply", "-f", manifests);
        Assert.That(again.Exit, Is.Zero, again.Out + again.Err);
        Assert.That(again.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.All.EndsWith(" unchanged"), again.Out);

        var listed = Kubectl(kubeconfig, "get", "deploy,svc", "-A", "-o", "name");
        Assert.That(listed.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.SupersetOf(new[] { "deployment.apps/federation-coordinator", "deployment.apps/counter", "service/federation-coordinator", "service/counter" }));
    }

    private (int Exit, string Out, string Err) Kubectl(string kubeconfig, params string[] args)
    {
        var home = Path.Combine(directory, "home");
        Directory.CreateDirectory(home);
        return Manifests.Run(Manifests.Kubectl(), ["--kubeconfig", kubeconfig, "--cache-dir", Path.Combine(home, "cache"), .. args], TimeSpan.FromSeconds(90));
    }
}
