using System.Net;
using System.Net.Http.Headers;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Federation.Tests.Kube.Tests;

/// <summary>The official KubernetesClient against the mock: CRUD, resourceVersion, the real error shapes.</summary>
public sealed class RestTests
{
    private KubeApiServer server = null!;
    private Kubernetes client = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        server = await MockServer.StartAsync();
        client = MockServer.Client(server);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        client.Dispose();
        await server.DisposeAsync();
    }

    [Test]
    public async Task CreateGetListPatchDeleteOfAPodKeepOneIncreasingResourceVersion()
    {
        var ns = await MockServer.NamespaceAsync(client, "crud");
        var created = await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("web", ns, new() { ["app"] = "web" }), ns);
        Assert.Multiple(() =>
        {
            Assert.That(created.Metadata.Uid, Is.Not.Empty);
            Assert.That(created.Metadata.CreationTimestamp, Is.Not.Null);
            Assert.That(created.Status.Phase, Is.EqualTo("Pending"));
            Assert.That(created.Spec.RestartPolicy, Is.EqualTo("Always"), "scheme defaults are applied");
            Assert.That(created.Spec.ServiceAccountName, Is.EqualTo("default"));
            Assert.That(created.Spec.Containers[0].Ports[0].Protocol, Is.EqualTo("TCP"));
        });
        var version = long.Parse(created.Metadata.ResourceVersion);

        var list = await client.CoreV1.ListNamespacedPodAsync(ns);
        Assert.That(list.Items.Select(p => p.Metadata.Name), Is.EqualTo(new[] { "web" }));
        Assert.That(long.Parse(list.Metadata.ResourceVersion), Is.GreaterThanOrEqualTo(version));

        var patched = await client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("{\"metadata\":{\"labels\":{\"tier\":\"front\"}}}", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.That(patched.Metadata.Labels, Is.EquivalentTo(new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" }));
        Assert.That(long.Parse(patched.Metadata.ResourceVersion), Is.GreaterThan(version));

        var jsonPatched = await client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\",\"value\":\"registry.local/app:2\"}]", V1Patch.PatchType.JsonPatch), "web", ns);
        Assert.That(jsonPatched.Spec.Containers[0].Image, Is.EqualTo("registry.local/app:2"));

        var strategic = await client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"registry.local/app:3\"}]}}", V1Patch.PatchType.StrategicMergePatch), "web", ns);
        Assert.That(strategic.Spec.Containers.Single().Image, Is.EqualTo("registry.local/app:3"), "containers merge by name");
        Assert.That(strategic.Spec.Containers.Single().Ports.Single().ContainerPort, Is.EqualTo(8080));

        var status = await client.CoreV1.PatchNamespacedPodStatusAsync(
            new V1Patch("{\"status\":{\"phase\":\"Running\",\"podIP\":\"10.244.0.5\"}}", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.That(status.Status.Phase, Is.EqualTo("Running"));

        var viaMain = await client.CoreV1.PatchNamespacedPodAsync(
            new V1Patch("{\"status\":{\"phase\":\"Failed\"}}", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.That(viaMain.Status.Phase, Is.EqualTo("Running"), "the main resource ignores status changes");

        var deleted = await client.CoreV1.DeleteNamespacedPodAsync("web", ns);
        Assert.That(deleted.Metadata.Name, Is.EqualTo("web"));
        var missing = Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedPodAsync("web", ns))!;
        var notFound = MockServer.StatusOf(missing);
        Assert.Multiple(() =>
        {
            Assert.That(missing.Response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(notFound.Reason, Is.EqualTo("NotFound"));
            Assert.That(notFound.Message, Is.EqualTo("pods \"web\" not found"));
            Assert.That(notFound.Details.Kind, Is.EqualTo("pods"));
        });
    }

    [Test]
    public async Task CreatingTwiceIsAlreadyExistsAndAStaleUpdateIsConflict()
    {
        var ns = await MockServer.NamespaceAsync(client, "conflict");
        var first = await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new() { Name = "settings" }, Data = new Dictionary<string, string> { ["a"] = "1" } }, ns);
        var again = Assert.ThrowsAsync<HttpOperationException>(() =>
            client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new() { Name = "settings" } }, ns))!;
        var exists = MockServer.StatusOf(again);
        Assert.Multiple(() =>
        {
            Assert.That((int)again.Response.StatusCode, Is.EqualTo(409));
            Assert.That(exists.Reason, Is.EqualTo("AlreadyExists"));
            Assert.That(exists.Message, Is.EqualTo("configmaps \"settings\" already exists"));
        });

        first.Data["a"] = "2";
        var updated = await client.CoreV1.ReplaceNamespacedConfigMapAsync(first, "settings", ns);
        first.Data["a"] = "3";
        var stale = Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReplaceNamespacedConfigMapAsync(first, "settings", ns))!;
        var conflict = MockServer.StatusOf(stale);
        Assert.Multiple(() =>
        {
            Assert.That((int)stale.Response.StatusCode, Is.EqualTo(409));
            Assert.That(conflict.Reason, Is.EqualTo("Conflict"));
            Assert.That(conflict.Message, Does.StartWith("Operation cannot be fulfilled on configmaps \"settings\": the object has been modified"));
        });
        Assert.That((await client.CoreV1.ReadNamespacedConfigMapAsync("settings", ns)).Data["a"], Is.EqualTo("2"));
        Assert.That(updated.Metadata.ResourceVersion, Is.Not.EqualTo(first.Metadata.ResourceVersion));
    }

    [Test]
    public async Task InvalidObjectsAre422WithTheFieldInTheCauses()
    {
        var ns = await MockServer.NamespaceAsync(client, "invalid");
        var noContainers = new V1Pod { Metadata = new() { Name = "empty" }, Spec = new V1PodSpec { Containers = [] } };
        var refused = Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodAsync(noContainers, ns))!;
        var status = MockServer.StatusOf(refused);
        Assert.Multiple(() =>
        {
            Assert.That((int)refused.Response.StatusCode, Is.EqualTo(422));
            Assert.That(status.Reason, Is.EqualTo("Invalid"));
            Assert.That(status.Message, Is.EqualTo("Pod \"empty\" is invalid: spec.containers: Required value"));
            Assert.That(status.Details.Causes.Single().Field, Is.EqualTo("spec.containers"));
            Assert.That(status.Details.Causes.Single().Reason, Is.EqualTo("FieldValueRequired"));
        });

        var twice = MockServer.Pod("Bad_Name", ns);
        twice.Spec.Containers.Add(new V1Container { Name = "app", Image = "" });
        twice.Spec.Containers[0].Ports[0].ContainerPort = 70000;
        var many = MockServer.StatusOf(Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodAsync(twice, ns))!);
        Assert.That(many.Details.Causes.Select(c => c.Field), Is.EquivalentTo(new[]
        {
            "metadata.name", "spec.containers[0].ports[0].containerPort", "spec.containers[1].name", "spec.containers[1].image",
        }));

        var service = new V1Service { Metadata = new() { Name = "noports" }, Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["a"] = "b" } } };
        var noPorts = MockServer.StatusOf(Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedServiceAsync(service, ns))!);
        Assert.That(noPorts.Details.Causes.Single().Field, Is.EqualTo("spec.ports"));

        var deployment = new V1Deployment
        {
            Metadata = new() { Name = "mismatch" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "a" } },
                Template = new V1PodTemplateSpec { Metadata = new() { Labels = new Dictionary<string, string> { ["app"] = "b" } }, Spec = MockServer.Pod("x", ns).Spec },
            },
        };
        var mismatch = MockServer.StatusOf(Assert.ThrowsAsync<HttpOperationException>(() => client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns))!);
        Assert.That(mismatch.Message, Does.StartWith("Deployment.apps \"mismatch\" is invalid: spec.template.metadata.labels: Invalid value"));
    }

    [Test]
    public void CreatingInAMissingNamespaceIsNotFoundForTheNamespace()
    {
        var refused = Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("p", "nowhere"), "nowhere"))!;
        var status = MockServer.StatusOf(refused);
        Assert.That((int)refused.Response.StatusCode, Is.EqualTo(404));
        Assert.That(status.Message, Is.EqualTo("namespaces \"nowhere\" not found"));
    }

    [Test]
    public async Task StrictFieldValidationRefusesUnknownFieldsAndWrongTypesAreBadRequest()
    {
        var ns = await MockServer.NamespaceAsync(client, "strict");
        const string unknown = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"i\",\"imagePullPolcy\":\"Always\"}],\"nodeSelectr\":{}}}";
        var (strictCode, strictBody, _) = await PostAsync($"api/v1/namespaces/{ns}/pods?fieldValidation=Strict", unknown);
        Assert.That(strictCode, Is.EqualTo(400), strictBody);
        var strict = KubernetesJson.Deserialize<V1Status>(strictBody);
        Assert.That(strict.Reason, Is.EqualTo("BadRequest"));
        Assert.That(strict.Message, Is.EqualTo("Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.containers[0].imagePullPolcy\", unknown field \"spec.nodeSelectr\""));

        var (warnCode, warnBody, warnings) = await PostAsync($"api/v1/namespaces/{ns}/pods", unknown);
        Assert.That(warnCode, Is.EqualTo(201), warnBody);
        Assert.That(warnings, Has.Some.Contains("unknown field \\\"spec.nodeSelectr\\\""), "without fieldValidation the server warns and drops the field");
        Assert.That(warnBody, Does.Not.Contain("nodeSelectr"));

        var (typeCode, typeBody, _) = await PostAsync($"apis/apps/v1/namespaces/{ns}/deployments", "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},\"spec\":{\"replicas\":\"three\"}}");
        Assert.That(typeCode, Is.EqualTo(400), typeBody);
        Assert.That(KubernetesJson.Deserialize<V1Status>(typeBody).Message, Does.StartWith("Deployment in version \"v1\" cannot be handled as a Deployment:").And.Contain("spec.replicas"));
    }

    [Test]
    public async Task SelectorsFilterListsAndUnsupportedFieldsAreRefused()
    {
        var ns = await MockServer.NamespaceAsync(client, "select");
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("a", ns, new() { ["app"] = "web", ["tier"] = "x" }), ns);
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("b", ns, new() { ["app"] = "web", ["tier"] = "y", ["canary"] = "true" }), ns);
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("c", ns, new() { ["app"] = "db", ["tier"] = "z" }), ns);
        await client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch("{\"status\":{\"phase\":\"Running\"}}", V1Patch.PatchType.MergePatch), "b", ns);

        async Task<string[]> Names(string? labels = null, string? fields = null) =>
            (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labels, fieldSelector: fields)).Items.Select(p => p.Metadata.Name).ToArray();

        Assert.That(await Names("app=web,tier!=y"), Is.EqualTo(new[] { "a" }));
        Assert.That(await Names("tier in (x,z)"), Is.EqualTo(new[] { "a", "c" }));
        Assert.That(await Names("app=web,!canary"), Is.EqualTo(new[] { "a" }));
        Assert.That(await Names("canary"), Is.EqualTo(new[] { "b" }));
        Assert.That(await Names(fields: "status.phase=Running"), Is.EqualTo(new[] { "b" }));
        Assert.That(await Names(fields: "metadata.name!=a,status.phase=Pending"), Is.EqualTo(new[] { "c" }));
        var unsupported = Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: "spec.colour=red"))!;
        Assert.That((int)unsupported.Response.StatusCode, Is.EqualTo(400));
        Assert.That(MockServer.StatusOf(unsupported).Message, Is.EqualTo("field label not supported: spec.colour"));
        var all = await client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: "app=db");
        Assert.That(all.Items.Select(p => p.Metadata.Name), Is.EqualTo(new[] { "c" }));
    }

    [Test]
    public async Task ServicesGetAClusterIPThatCannotChangeAndDeploymentsCountGenerations()
    {
        var ns = await MockServer.NamespaceAsync(client, "svc");
        var service = await client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new() { Name = "web" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web" }, Ports = [new V1ServicePort { Port = 80, TargetPort = 8080 }] },
        }, ns);
        Assert.That(service.Spec.ClusterIP, Does.StartWith("10.96.0."));
        Assert.That(service.Spec.Ports[0].Protocol, Is.EqualTo("TCP"));
        var moved = Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.PatchNamespacedServiceAsync(
            new V1Patch("{\"spec\":{\"clusterIP\":\"10.96.0.250\"}}", V1Patch.PatchType.MergePatch), "web", ns))!;
        Assert.That((int)moved.Response.StatusCode, Is.EqualTo(422));
        Assert.That(MockServer.StatusOf(moved).Details.Causes.Single().Field, Is.EqualTo("spec.clusterIPs[0]"));

        var deployment = await client.AppsV1.CreateNamespacedDeploymentAsync(new V1Deployment
        {
            Metadata = new() { Name = "web" },
            Spec = new V1DeploymentSpec
            {
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
                Template = new V1PodTemplateSpec { Metadata = new() { Labels = new Dictionary<string, string> { ["app"] = "web" } }, Spec = MockServer.Pod("x", ns).Spec },
            },
        }, ns);
        Assert.That(deployment.Metadata.Generation, Is.EqualTo(1));
        Assert.That(deployment.Spec.Replicas, Is.EqualTo(1));
        var scaled = await client.AppsV1.PatchNamespacedDeploymentScaleAsync(new V1Patch("{\"spec\":{\"replicas\":3}}", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.That(scaled.Spec.Replicas, Is.EqualTo(3));
        var after = await client.AppsV1.ReadNamespacedDeploymentAsync("web", ns);
        Assert.That(after.Metadata.Generation, Is.EqualTo(2));
        var labelled = await client.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("{\"metadata\":{\"labels\":{\"x\":\"y\"}}}", V1Patch.PatchType.MergePatch), "web", ns);
        Assert.That(labelled.Metadata.Generation, Is.EqualTo(2), "metadata changes do not count");
        var deleted = await client.AppsV1.DeleteNamespacedDeploymentAsync("web", ns);
        Assert.That(deleted.Status, Is.EqualTo("Success"));
    }

    [Test]
    public async Task FinalizersHoldADeleteUntilTheyAreRemoved()
    {
        var ns = await MockServer.NamespaceAsync(client, "final");
        var map = new V1ConfigMap { Metadata = new() { Name = "held", Finalizers = ["example.com/hold"] } };
        await client.CoreV1.CreateNamespacedConfigMapAsync(map, ns);
        await client.CoreV1.DeleteNamespacedConfigMapAsync("held", ns);
        var marked = await client.CoreV1.ReadNamespacedConfigMapAsync("held", ns);
        Assert.That(marked.Metadata.DeletionTimestamp, Is.Not.Null);
        await client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("{\"metadata\":{\"finalizers\":null}}", V1Patch.PatchType.MergePatch), "held", ns);
        var gone = Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ReadNamespacedConfigMapAsync("held", ns))!;
        Assert.That((int)gone.Response.StatusCode, Is.EqualTo(404));
    }

    [Test]
    public async Task AWrongTokenIsUnauthorized()
    {
        using var http = HttpClientFor(server, "wrong");
        using var response = await http.GetAsync("api/v1/pods");
        Assert.That((int)response.StatusCode, Is.EqualTo(401));
        Assert.That(KubernetesJson.Deserialize<V1Status>(await response.Content.ReadAsStringAsync()).Reason, Is.EqualTo("Unauthorized"));
    }

    private async Task<(int Code, string Body, string[] Warnings)> PostAsync(string path, string body)
    {
        using var http = HttpClientFor(server, MockServer.Token);
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(path, content);
        var warnings = response.Headers.TryGetValues("Warning", out var values) ? values.ToArray() : [];
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), warnings);
    }

    internal static HttpClient HttpClientFor(KubeApiServer server, string token)
    {
        var authority = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(server.CertificateAuthorityPem!);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
                chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(authority);
                chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
                return certificate is not null && chain.Build(certificate);
            },
        };
        var http = new HttpClient(handler) { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
