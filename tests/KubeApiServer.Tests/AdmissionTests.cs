using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Federation.Tests.Kube.Tests;

/// <summary>Mutating admission webhooks called over HTTPS with their caBundle: patches applied and re-validated, denials, failure policies, selectors.</summary>
public sealed class AdmissionTests
{
    private TestCertificates pki = null!;
    private TinyWebhook webhook = null!;
    private KubeApiServer server = null!;
    private Kubernetes client = null!;
    private string ns = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        pki = new TestCertificates();
        var authority = pki.CreateAuthority("webhook-ca");
        webhook = await TinyWebhook.StartAsync(pki.CreateServer("webhook", authority).Value);
        server = await MockServer.StartAsync();
        client = MockServer.Client(server);
        ns = await MockServer.NamespaceAsync(client, "admit");
        await client.CoreV1.PatchNamespaceAsync(new V1Patch("{\"metadata\":{\"labels\":{\"federation.io/webhook\":\"enabled\"}}}", V1Patch.PatchType.MergePatch), ns);
        var caBundle = System.Text.Encoding.ASCII.GetBytes(authority.Value.ExportCertificatePem());
        await client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(new V1MutatingWebhookConfiguration
        {
            Metadata = new V1ObjectMeta { Name = "federation" },
            Webhooks =
            [
                new V1MutatingWebhook
                {
                    Name = "rewrite.federation.example.com",
                    AdmissionReviewVersions = ["v1"],
                    SideEffects = "None",
                    TimeoutSeconds = 2,
                    ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = webhook.Url, CaBundle = caBundle },
                    Rules = [new V1RuleWithOperations { Operations = ["CREATE"], ApiGroups = [""], ApiVersions = ["v1"], Resources = ["pods"] }],
                    NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["federation.io/webhook"] = "enabled" } },
                    ObjectSelector = new V1LabelSelector
                    {
                        MatchExpressions = [new V1LabelSelectorRequirement { Key = "unreachable", OperatorProperty = "DoesNotExist" }],
                    },
                },
                new V1MutatingWebhook
                {
                    Name = "down.federation.example.com",
                    AdmissionReviewVersions = ["v1"],
                    SideEffects = "None",
                    FailurePolicy = "Fail",
                    ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = "https://127.0.0.1:1/mutate", CaBundle = caBundle },
                    Rules = [new V1RuleWithOperations { Operations = ["CREATE"], ApiGroups = [""], ApiVersions = ["v1"], Resources = ["pods"] }],
                    ObjectSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["unreachable"] = "fail" } },
                },
                new V1MutatingWebhook
                {
                    Name = "optional.federation.example.com",
                    AdmissionReviewVersions = ["v1"],
                    SideEffects = "None",
                    FailurePolicy = "Ignore",
                    ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = "https://127.0.0.1:1/mutate", CaBundle = caBundle },
                    Rules = [new V1RuleWithOperations { Operations = ["CREATE"], ApiGroups = [""], ApiVersions = ["v1"], Resources = ["pods"] }],
                    ObjectSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["unreachable"] = "ignore" } },
                },
            ],
        });
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        client.Dispose();
        await server.DisposeAsync();
        await webhook.DisposeAsync();
        pki.Dispose();
    }

    [Test]
    public async Task TheWebhooksPatchIsAppliedToTheStoredPod()
    {
        var created = await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("counter", ns), ns);
        Assert.Multiple(() =>
        {
            Assert.That(created.Metadata.Labels["federation.io/rewritten"], Is.EqualTo("true"));
            Assert.That(created.Metadata.Annotations["federation.io/runtime"], Is.EqualTo("dind"));
            Assert.That(created.Spec.Containers.Select(c => c.Name), Is.EqualTo(new[] { "app", "ambassador" }));
            Assert.That(created.Spec.Containers[0].Env.Single().Name, Is.EqualTo("FEDERATION"));
            Assert.That(created.Spec.Containers[1].ImagePullPolicy, Is.EqualTo("IfNotPresent"), "defaults apply to what the webhook added");
        });
        var stored = await client.CoreV1.ReadNamespacedPodAsync("counter", ns);
        Assert.That(stored.Spec.Containers, Has.Count.EqualTo(2));
        var review = webhook.Reviews.Last(r => r["request"]?["name"]?.GetValue<string>() == "counter");
        var request = review["request"]!;
        Assert.Multiple(() =>
        {
            Assert.That(review["apiVersion"]!.GetValue<string>(), Is.EqualTo("admission.k8s.io/v1"));
            Assert.That(review["kind"]!.GetValue<string>(), Is.EqualTo("AdmissionReview"));
            Assert.That(request["operation"]!.GetValue<string>(), Is.EqualTo("CREATE"));
            Assert.That(request["namespace"]!.GetValue<string>(), Is.EqualTo(ns));
            Assert.That(request["kind"]!["kind"]!.GetValue<string>(), Is.EqualTo("Pod"));
            Assert.That(request["resource"]!["resource"]!.GetValue<string>(), Is.EqualTo("pods"));
            Assert.That(request["uid"]!.GetValue<string>(), Is.Not.Empty);
            Assert.That(request["object"]!["spec"]!["containers"]!.AsArray(), Has.Count.EqualTo(1), "the webhook sees the pod as sent");
        });
    }

    [Test]
    public async Task APodOutsideTheSelectedNamespacesIsNotSentToTheWebhook()
    {
        var other = await MockServer.NamespaceAsync(client, "plain");
        var before = webhook.Reviews.Count;
        var created = await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("untouched", other), other);
        Assert.That(created.Spec.Containers, Has.Count.EqualTo(1));
        Assert.That(webhook.Reviews, Has.Count.EqualTo(before));
    }

    [Test]
    public void ADenialRefusesTheCreateWithTheWebhooksMessage()
    {
        var refused = Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("deny-me", ns), ns))!;
        var status = MockServer.StatusOf(refused);
        Assert.That((int)refused.Response.StatusCode, Is.EqualTo(403));
        Assert.That(status.Message, Is.EqualTo("admission webhook \"rewrite.federation.example.com\" denied the request: pods named deny-* are not migratable"));
        Assert.That(Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedPodAsync("deny-me", ns))!.Response.StatusCode, Is.EqualTo(System.Net.HttpStatusCode.NotFound));
    }

    [Test]
    public void AMutatedPodIsValidatedAgain()
    {
        var refused = Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("break-me", ns), ns))!;
        var status = MockServer.StatusOf(refused);
        Assert.That((int)refused.Response.StatusCode, Is.EqualTo(422));
        Assert.That(status.Details.Causes.Single().Field, Is.EqualTo("spec.containers[0].image"));
    }

    [Test]
    public void AnUnreachableWebhookRefusesUnderFailAndIsSkippedUnderIgnore()
    {
        var refused = Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("strict", ns, new() { ["unreachable"] = "fail" }), ns))!;
        var status = MockServer.StatusOf(refused);
        Assert.That((int)refused.Response.StatusCode, Is.EqualTo(500));
        Assert.That(status.Reason, Is.EqualTo("InternalError"));
        Assert.That(status.Message, Does.StartWith("Internal error occurred: failed calling webhook \"down.federation.example.com\": failed to call webhook: Post \"https://127.0.0.1:1/mutate?timeout=10s\""));

        Assert.DoesNotThrowAsync(() => client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("lenient", ns, new() { ["unreachable"] = "ignore" }), ns));
    }

    [Test]
    public void AWebhookThatDoesNotAnswerInItsTimeoutFailsTheCreate()
    {
        var refused = Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("slow-one", ns), ns))!;
        var status = MockServer.StatusOf(refused);
        Assert.That((int)refused.Response.StatusCode, Is.EqualTo(500));
        Assert.That(status.Message, Does.Contain("rewrite.federation.example.com").And.Contain("context deadline exceeded"));
    }
}
