using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Tests;

/// <summary>The real kubectl against the mock, over HTTPS with a bearer token, without --validate=false.</summary>
public sealed class KubectlTests
{
    private const string Manifests = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: federation
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: coordinator
          namespace: federation
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: coordinator
          namespace: federation
        rules:
        - apiGroups: [""]
          resources: ["pods", "services", "endpoints"]
          verbs: ["get", "list", "watch", "create", "update", "patch", "delete"]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: federation-coordinator
        rules:
        - apiGroups: [""]
          resources: ["nodes"]
          verbs: ["get", "list", "watch"]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata:
          name: coordinator
          namespace: federation
        roleRef:
          apiGroup: rbac.authorization.k8s.io
          kind: Role
          name: coordinator
        subjects:
        - kind: ServiceAccount
          name: coordinator
          namespace: federation
        """;

    private const string Workload = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: coordinator
          namespace: federation
          labels: {app: coordinator}
        spec:
          replicas: 1
          selector:
            matchLabels: {app: coordinator}
          template:
            metadata:
              labels: {app: coordinator}
            spec:
              serviceAccountName: coordinator
              containers:
              - name: coordinator
                image: registry.local/federation-coordinator:dev
                ports:
                - {name: grpc, containerPort: 7400}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: coordinator
          namespace: federation
        spec:
          selector: {app: coordinator}
          ports:
          - {name: grpc, port: 7400, targetPort: grpc}
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata:
          name: federation-runtime
        webhooks:
        - name: runtime.federation.example.com
          admissionReviewVersions: ["v1"]
          sideEffects: None
          failurePolicy: Fail
          clientConfig:
            url: https://127.0.0.1:9/mutate
          rules:
          - {operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"]}
          objectSelector:
            matchLabels: {federation.io/migratable: "true"}
        """;

    private string directory = "";
    private KubeApiServer server = null!;
    private Kubectl kubectl = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        Kubectl.Find();
        directory = Directory.CreateTempSubdirectory("kmock-kubectl-").FullName;
        server = await MockServer.StartAsync();
        var kubeconfig = server.WriteKubeconfig(Path.Combine(directory, "kubeconfig"));
        Directory.CreateDirectory(Path.Combine(directory, "home"));
        kubectl = new Kubectl(kubeconfig, Path.Combine(directory, "home"));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await server.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    [Test]
    public async Task GetPodsAndServicesInAllNamespacesListsWhatAClientMade()
    {
        using var client = MockServer.Client(server);
        var ns = await MockServer.NamespaceAsync(client, "apps");
        await client.CoreV1.CreateNamespacedPodAsync(MockServer.Pod("counter-0", ns), ns);
        await client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch("{\"status\":{\"phase\":\"Running\"}}", V1Patch.PatchType.MergePatch), "counter-0", ns);

        var result = await kubectl.RunAsync("get", "pods,svc", "-A");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Some.Match($@"^{ns}\s+pod/counter-0\s+0/1\s+Running\s+0\s+"), result.Output);
        Assert.That(lines, Has.Some.Match(@"^default\s+service/kubernetes\s+ClusterIP\s+10\.96\.0\.1\s+<none>\s+443/TCP"), result.Output);
        Assert.That(result.Error, Does.Not.Contain("rror"), result.Error);

        var wide = await kubectl.RunAsync("get", "deploy,rs,sts,endpoints,nodes", "-A", "-o", "wide");
        Assert.That(wide.ExitCode, Is.EqualTo(0), wide.ToString());
        Assert.That(wide.Output, Does.Contain("node/worker-1").And.Contain("Ready").And.Contain("endpoints/kubernetes"));

        var json = await kubectl.RunAsync("get", "pod", "counter-0", "-n", ns, "-o", "json");
        Assert.That(json.ExitCode, Is.EqualTo(0), json.ToString());
        Assert.That(KubernetesJson.Deserialize<V1Pod>(json.Output).Status.Phase, Is.EqualTo("Running"));
    }

    [Test]
    public async Task ApplyOfADirectoryCreatesEverythingValidatedByTheServerAndGetShowsIt()
    {
        var manifests = Directory.CreateDirectory(Path.Combine(directory, "deploy")).FullName;
        await File.WriteAllTextAsync(Path.Combine(manifests, "00-access.yaml"), Manifests);
        await File.WriteAllTextAsync(Path.Combine(manifests, "10-coordinator.yaml"), Workload);

        var applied = await kubectl.RunAsync("apply", "-f", manifests);
        Assert.That(applied.ExitCode, Is.EqualTo(0), applied.ToString());
        foreach (var line in new[]
        {
            "namespace/federation created", "serviceaccount/coordinator created", "role.rbac.authorization.k8s.io/coordinator created",
            "clusterrole.rbac.authorization.k8s.io/federation-coordinator created", "rolebinding.rbac.authorization.k8s.io/coordinator created",
            "deployment.apps/coordinator created", "service/coordinator created",
            "mutatingwebhookconfiguration.admissionregistration.k8s.io/federation-runtime created",
        })
        {
            Assert.That(applied.Output, Does.Contain(line), applied.ToString());
        }
        var creates = server.Requests.Where(r => r.Verb == "create" && r.Path.Contains("fieldManager=kubectl-client-side-apply", StringComparison.Ordinal)).ToList();
        Assert.That(creates, Has.Count.EqualTo(8));
        Assert.That(creates, Has.All.Matches<Faults.RecordedRequest>(r => r.Path.Contains("fieldValidation=Strict", StringComparison.Ordinal)),
            "kubectl found server-side field validation in the OpenAPI v3 documents");

        var again = await kubectl.RunAsync("apply", "-f", manifests);
        Assert.That(again.ExitCode, Is.EqualTo(0), again.ToString());
        Assert.That(again.Output, Does.Contain("deployment.apps/coordinator unchanged").And.Contain("service/coordinator unchanged"));

        var shown = await kubectl.RunAsync("get", "deploy,svc,sa,role,rolebinding", "-n", "federation");
        Assert.That(shown.ExitCode, Is.EqualTo(0), shown.ToString());
        Assert.That(shown.Output, Does.Contain("deployment.apps/coordinator").And.Contain("service/coordinator").And.Contain("serviceaccount/coordinator")
            .And.Contain("role.rbac.authorization.k8s.io/coordinator").And.Contain("rolebinding.rbac.authorization.k8s.io/coordinator"));
        var cluster = await kubectl.RunAsync("get", "clusterrole/federation-coordinator", "mutatingwebhookconfiguration/federation-runtime");
        Assert.That(cluster.ExitCode, Is.EqualTo(0), cluster.ToString());
        Assert.That(cluster.Output, Does.Contain("federation-coordinator").And.Contain("federation-runtime"));
    }

    [Test]
    public async Task ApplyOfAManifestWithAnUnknownFieldFailsWithTheServersStrictDecodingError()
    {
        var file = Path.Combine(directory, "typo.yaml");
        await File.WriteAllTextAsync(file, """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: typo
              namespace: default
            dataa:
              key: value
            """);
        var result = await kubectl.RunAsync("apply", "-f", file);
        Assert.That(result.ExitCode, Is.Not.EqualTo(0), result.ToString());
        Assert.That(result.Error, Does.Contain("strict decoding error: unknown field \"dataa\""), result.ToString());

        var invalid = Path.Combine(directory, "invalid.yaml");
        await File.WriteAllTextAsync(invalid, """
            apiVersion: v1
            kind: Service
            metadata:
              name: Bad_Service
              namespace: default
            spec:
              ports:
              - port: 80
            """);
        var refused = await kubectl.RunAsync("apply", "-f", invalid);
        Assert.That(refused.ExitCode, Is.Not.EqualTo(0), refused.ToString());
        Assert.That(refused.Error, Does.Contain("The Service \"Bad_Service\" is invalid: metadata.name: Invalid value: \"Bad_Service\""), refused.ToString());
    }
}
