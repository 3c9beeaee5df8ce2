namespace Federation.Deploy.Tests;

/// <summary>
/// The real kubectl applies deploy/ (client-side dry run against <see cref="DiscoveryApiServer"/>, which maps the kinds):
/// every file parses and every object is one kubectl knows how to send; nothing is written. And make-webhook-cert.sh
/// makes a serving certificate the caBundle it fills verifies, for the coordinator's Service name.
/// </summary>
[NonParallelizable]
public sealed class KubectlApplyTests
{
    private static readonly string[] Expected =
    [
        "namespace/federation",
        "serviceaccount/federation-coordinator",
        "clusterrole.rbac.authorization.k8s.io/federation-coordinator",
        "clusterrolebinding.rbac.authorization.k8s.io/federation-coordinator",
        "deployment.apps/federation-coordinator",
        "configmap/federation-cluster",
        "persistentvolumeclaim/federation-journal",
        "service/federation-coordinator",
        "mutatingwebhookconfiguration.admissionregistration.k8s.io/federation-coordinator",
        "namespace/federation-demo",
        "deployment.apps/counter",
        "service/counter",
        "networkpolicy.networking.k8s.io/federation-engine-from-coordinator-only",
    ];

    private string directory = "";

    [SetUp]
    public void MakeDirectory() => directory = Directory.CreateTempSubdirectory("fedreg-deploy-").FullName;

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(directory, recursive: true);

    [Test]
    public async Task Kubectl_apply_dry_run_reads_every_manifest_of_deploy()
    {
        await using var server = await DiscoveryApiServer.StartAsync();
        var (exit, stdout, stderr) = Apply(server, Manifests.DeployDirectory);
        Assert.That(exit, Is.Zero, stderr);
        Assert.That(Lines(stdout), Is.EquivalentTo(Expected), stderr);
        Assert.That(server.Requests.Where(r => !r.StartsWith("GET ", StringComparison.Ordinal)), Is.Empty, "a dry run writes nothing");
    }

    [Test]
    public async Task A_misspelt_kind_is_refused_by_kubectl_with_the_reason()
    {
        await using var server = await DiscoveryApiServer.StartAsync();
        File.WriteAllText(Path.Combine(directory, "bad.yaml"), "apiVersion: v1\nkind: Servic\nmetadata:\n  name: x\n  namespace: federation\n");
        var (exit, _, stderr) = Apply(server, directory);
        Assert.That(exit, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("Servic"));
    }

    [Test]
    public async Task Make_webhook_cert_fills_the_ca_bundle_and_writes_a_serving_certificate_it_verifies()
    {
        foreach (var file in Manifests.Files()) File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        var script = Path.Combine(Manifests.DeployDirectory, "make-webhook-cert.sh");
        var (exit, _, stderr) = Manifests.Run("bash", [script, directory], TimeSpan.FromMinutes(1));
        Assert.That(exit, Is.Zero, stderr);

        var objects = Manifests.Load(directory);
        var secret = Manifests.Single<k8s.Models.V1Secret>(objects, "federation-webhook-tls");
        var bundle = Manifests.Single<k8s.Models.V1MutatingWebhookConfiguration>(objects, "federation-coordinator").Webhooks.Single().ClientConfig.CaBundle;
        File.WriteAllBytes(Path.Combine(directory, "bundle.pem"), bundle);
        File.WriteAllBytes(Path.Combine(directory, "tls.crt"), secret.Data["tls.crt"]);
        var verify = Manifests.Run("openssl", ["verify", "-CAfile", Path.Combine(directory, "bundle.pem"), "-verify_hostname", "federation-coordinator.federation.svc",
            "-purpose", "sslserver", Path.Combine(directory, "tls.crt")], TimeSpan.FromSeconds(30));
        Assert.Multiple(() =>
        {
            Assert.That(secret.Type, Is.EqualTo("kubernetes.io/tls"));
            Assert.That(secret.Metadata.NamespaceProperty, Is.EqualTo("federation"));
            Assert.That(secret.Data["tls.key"], Is.Not.Empty);
            Assert.That(verify.Exit, Is.Zero, verify.Out + verify.Err);
            Assert.That(verify.Out, Does.Contain(": OK"));
        });
        // Not for another name.
        var other = Manifests.Run("openssl", ["verify", "-CAfile", Path.Combine(directory, "bundle.pem"), "-verify_hostname", "evil.federation.svc",
            Path.Combine(directory, "tls.crt")], TimeSpan.FromSeconds(30));
        Assert.That(other.Exit, Is.Not.Zero, "the certificate is for the coordinator's Service only");

        // And kubectl applies the whole directory, the Secret with it.
        await using var server = await DiscoveryApiServer.StartAsync();
        var applied = Apply(server, directory);
        Assert.That(applied.Exit, Is.Zero, applied.Err);
        Assert.That(Lines(applied.Out), Is.EquivalentTo(Expected.Append("secret/federation-webhook-tls")));
    }

    private (int Exit, string Out, string Err) Apply(DiscoveryApiServer server, string manifests) =>
        Manifests.Run(Manifests.Kubectl(),
            ["apply", "--kubeconfig", server.WriteKubeconfig(directory), "--dry-run=client", "--validate=false", "-o", "name", "-f", manifests],
            TimeSpan.FromMinutes(1));

    private static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
