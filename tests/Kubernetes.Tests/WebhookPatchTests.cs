using System.Text;
using System.Text.Json.Nodes;
using Federation.Adapters.Kubernetes.Pods;
using Federation.Adapters.Kubernetes.Webhook;
using Federation.V1;

namespace Federation.Kubernetes.Tests;

/// <summary>The webhook's answer to a sample AdmissionReview, read back by applying its JSONPatch to the pod and checked field by field.</summary>
[TestFixture]
public sealed class WebhookPatchTests
{
    private static (AdmissionResponseMessage Response, JsonObject Pod) Mutate(JsonObject pod, RuntimePodOptions? options = null)
    {
        var answer = new PodMutator(new RuntimePodBuilder(options ?? SampleReviews.Options())).Review(SampleReviews.Review(pod));
        Assert.That(answer.ApiVersion, Is.EqualTo("admission.k8s.io/v1"));
        Assert.That(answer.Kind, Is.EqualTo("AdmissionReview"));
        var response = answer.Response!;
        Assert.That(response.Uid, Is.EqualTo("d3adb33f-0000-4000-8000-000000000001"), "the answer carries the request's uid");
        if (response.Patch is null) return (response, pod);
        Assert.That(response.PatchType, Is.EqualTo("JSONPatch"));
        var patch = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(response.Patch)))!.AsArray();
        return (response, SampleReviews.Apply(pod, patch));
    }

    private static JsonObject Container(JsonObject pod, string name) =>
        pod["spec"]!["containers"]!.AsArray().Select(c => c!.AsObject()).Single(c => c["name"]!.GetValue<string>() == name);

    private static Dictionary<string, JsonObject> Env(JsonObject container) =>
        container["env"]!.AsArray().Select(e => e!.AsObject()).ToDictionary(e => e["name"]!.GetValue<string>());

    private static JsonObject Volume(JsonObject pod, string name) =>
        pod["spec"]!["volumes"]!.AsArray().Select(v => v!.AsObject()).Single(v => v["name"]!.GetValue<string>() == name);

    [Test]
    public void An_annotated_pod_becomes_the_runtime_form()
    {
        var (response, pod) = Mutate(SampleReviews.CounterPod());
        Assert.That(response.Allowed, Is.True);
        Assert.That(response.Patch, Is.Not.Null);

        var containers = pod["spec"]!["containers"]!.AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        Assert.That(containers, Is.EqualTo(new[] { "runtime", "engine", "counter-ambassador" }), "the app container runs inside the runtime; one Ambassador stands for it");
        Assert.That(pod["spec"]!["shareProcessNamespace"]!.GetValue<bool>(), Is.True);
        Assert.That(pod["spec"]!["automountServiceAccountToken"]!.GetValue<bool>(), Is.False);
        Assert.That(pod["spec"]!["nodeSelector"]!["kubernetes.io/arch"]!.GetValue<string>(), Is.EqualTo("amd64"), "scheduling is kept");

        var runtime = Container(pod, "runtime");
        Assert.That(runtime["image"]!.GetValue<string>(), Is.EqualTo("registry.test/federation/runtime:1"));
        Assert.That(runtime["securityContext"]!["privileged"]!.GetValue<bool>(), Is.True);
        Assert.That(runtime["command"]!.AsArray().Last()!.GetValue<string>(),
            Does.Contain("exec dockerd --experimental --data-root /var/lib/federation/docker -H unix:///var/lib/federation/run/docker.sock"));
        Assert.That(runtime["ports"]![0]!["containerPort"]!.GetValue<int>(), Is.EqualTo(8080), "the app's port is the pod's");
        Assert.That(runtime["resources"]!["requests"]!["memory"]!.GetValue<string>(), Is.EqualTo("128Mi"), "the app runs in the runtime's cgroup");
        Assert.That(runtime["volumeMounts"]!.AsArray().Select(m => $"{m!["name"]}={m["mountPath"]}"),
            Is.EquivalentTo(new[] { "federation-state=/var/lib/federation", "federation-run=/run", "federation-tmp=/tmp" }));

        Assert.That(Volume(pod, "federation-state")["emptyDir"]!["medium"]!.GetValue<string>(), Is.EqualTo("Memory"));
        Assert.That(Volume(pod, "federation-run")["emptyDir"]!["medium"]!.GetValue<string>(), Is.EqualTo("Memory"));
        Assert.That(pod["spec"]!["volumes"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()), Does.Not.Contain("data"),
            "the app's emptyDir became a volume of the inner dockerd");
        Assert.That(pod["spec"]!["volumes"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()), Does.Contain("kube-api-access-x"));

        var engine = Container(pod, "engine");
        Assert.That(engine["image"]!.GetValue<string>(), Is.EqualTo("registry.test/federation/engine:1"));
        Assert.That(engine["command"]!.AsArray().Select(c => c!.GetValue<string>()),
            Is.EqualTo(new[] { "/opt/federation/dotnet/dotnet", "/opt/federation/runtime/Federation.RuntimeModule.dll", "engine" }));
        Assert.That(engine["securityContext"]!["privileged"]!.GetValue<bool>(), Is.True, "the Engine runs runc and CRIU in the runtime's namespaces");
        Assert.That(engine["ports"]![0]!["containerPort"]!.GetValue<int>(), Is.EqualTo(50051));
        Assert.That(engine["readinessProbe"]!["tcpSocket"]!["port"]!.GetValue<int>(), Is.EqualTo(50051));
        var engineEnv = Env(engine);
        Assert.That(engineEnv["FEDERATION_ENGINE_TOKEN"]["valueFrom"]!["secretKeyRef"]!["name"]!.GetValue<string>(), Is.EqualTo("federation-engine-credential"));
        Assert.That(engineEnv["FEDERATION_ENGINE_TOKEN"]["valueFrom"]!["secretKeyRef"]!["key"]!.GetValue<string>(), Is.EqualTo("token"));
        Assert.That(engineEnv["FEDERATION_ENGINE_TOKEN"].ContainsKey("value"), Is.False, "the credential is never written into the pod");
        Assert.That(engineEnv["FEDERATION_POD_NAME"]["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>(), Is.EqualTo("metadata.name"));
        Assert.That(engineEnv["FEDERATION_POD_NAMESPACE"]["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>(), Is.EqualTo("metadata.namespace"));
        Assert.That(engineEnv["FEDERATION_POD_UID"]["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>(), Is.EqualTo("metadata.uid"));
        Assert.That(engineEnv["FEDERATION_POD_IP"]["valueFrom"]!["fieldRef"]!["fieldPath"]!.GetValue<string>(), Is.EqualTo("status.podIP"));
        Assert.That(engineEnv["FEDERATION_STATE_DIR"]["value"]!.GetValue<string>(), Is.EqualTo("/var/lib/federation"));

        var ambassador = Container(pod, "counter-ambassador");
        Assert.That(ambassador["command"]!.AsArray().Last()!.GetValue<string>(), Is.EqualTo("ambassador"));
        Assert.That(ambassador.ContainsKey("securityContext"), Is.False, "the Ambassador needs no privileges");
        var ambassadorEnv = Env(ambassador);
        Assert.That(ambassadorEnv["FEDERATION_START_MODE"]["value"]!.GetValue<string>(), Is.EqualTo("active"));
        var spec = AppSpec.Parser.ParseJson(ambassadorEnv["FEDERATION_APP_SPEC"]["value"]!.GetValue<string>());
        Assert.That(spec.Name, Is.EqualTo("counter"));
        Assert.That(spec.Image, Is.EqualTo("registry.test/testapp:1"));
        Assert.That(spec.Command, Is.EqualTo(new[] { "/testapp", "--port", "8080" }), "command and args, in order");
        Assert.That(spec.Env["MODE"], Is.EqualTo("count"));
        Assert.That(spec.Ports.Single().ContainerPort, Is.EqualTo(8080u));
        Assert.That(spec.Volumes.Single().Name, Is.EqualTo("data"));
        Assert.That(spec.Volumes.Single().ContainerPath, Is.EqualTo("/data"));
        Assert.That(ambassadorEnv.ContainsKey("FEDERATION_POD_IP"), "the downward API reaches the Ambassador too");

        var labels = pod["metadata"]!["labels"]!.AsObject();
        Assert.That(labels["app"]!.GetValue<string>(), Is.EqualTo("counter"), "the user's labels stay (the owner's selector still matches)");
        Assert.That(labels["federation.io/runtime"]!.GetValue<string>(), Is.EqualTo("true"));
        Assert.That(labels["federation.io/workload"]!.GetValue<string>(), Is.EqualTo("counter"));
        Assert.That(labels["federation.io/role"]!.GetValue<string>(), Is.EqualTo("active"));
        var annotations = pod["metadata"]!["annotations"]!.AsObject();
        Assert.That(annotations["team"]!.GetValue<string>(), Is.EqualTo("edge"));
        Assert.That(annotations["federation.io/migratable"]!.GetValue<string>(), Is.EqualTo("true"));
        Assert.That(annotations["federation.io/runtime-form"]!.GetValue<string>(), Is.EqualTo("v1"));
        Assert.That(annotations["federation.io/generation"]!.GetValue<string>(), Is.EqualTo("0"));
        Assert.That(annotations.ContainsKey("federation.io/migration-id"), Is.False, "an active pod belongs to no migration");
        Assert.That(AppSpec.Parser.ParseJson(annotations["federation.io/app-spec"]!.GetValue<string>()), Is.EqualTo(spec));
        Assert.That(pod["metadata"]!["ownerReferences"]![0]!["kind"]!.GetValue<string>(), Is.EqualTo("ReplicaSet"), "the owner stays");
    }

    [Test]
    public void The_capability_set_and_a_disk_backed_state_are_one_setting_each()
    {
        var (_, pod) = Mutate(SampleReviews.CounterPod(), SampleReviews.Options(privileged: false, memory: false));
        var runtime = Container(pod, "runtime")["securityContext"]!.AsObject();
        Assert.That(runtime.ContainsKey("privileged"), Is.False);
        Assert.That(runtime["capabilities"]!["add"]!.AsArray().Select(c => c!.GetValue<string>()), Is.EqualTo(new[] { "ALL" }));
        Assert.That(runtime["capabilities"]!["drop"]!.AsArray().Select(c => c!.GetValue<string>()), Is.EqualTo(new[] { "SYS_RESOURCE" }));
        Assert.That(runtime["seccompProfile"]!["type"]!.GetValue<string>(), Is.EqualTo("Unconfined"));
        Assert.That(Volume(pod, "federation-state")["emptyDir"]!.AsObject().ContainsKey("medium"), Is.False);
    }

    [Test]
    public void Module_binaries_from_the_host_are_hostPath_volumes_mounted_read_only()
    {
        var (_, pod) = Mutate(SampleReviews.CounterPod(), SampleReviews.Options(modules: RuntimePodOptions.ModulesOnHostPath));
        Assert.That(Volume(pod, "federation-modules")["hostPath"]!["path"]!.GetValue<string>(), Is.EqualTo("/opt/build/runtime"));
        Assert.That(Volume(pod, "federation-dotnet")["hostPath"]!["path"]!.GetValue<string>(), Is.EqualTo("/usr/share/dotnet"));
        var engine = Container(pod, "engine");
        Assert.That(engine["command"]![0]!.GetValue<string>(), Is.EqualTo("/usr/share/dotnet/dotnet"));
        var mounts = engine["volumeMounts"]!.AsArray().Select(m => m!.AsObject()).ToDictionary(m => m["name"]!.GetValue<string>());
        Assert.That(mounts["federation-modules"]["mountPath"]!.GetValue<string>(), Is.EqualTo("/opt/federation/runtime"));
        Assert.That(mounts["federation-modules"]["readOnly"]!.GetValue<bool>(), Is.True);
        Assert.That(mounts["federation-dotnet"]["readOnly"]!.GetValue<bool>(), Is.True);
    }

    [Test]
    public void A_pod_without_the_annotation_passes_untouched()
    {
        var (response, _) = Mutate(SampleReviews.CounterPod(annotated: false));
        Assert.That(response.Allowed, Is.True);
        Assert.That(response.Patch, Is.Null);
        Assert.That(response.PatchType, Is.Null);
    }

    [Test]
    public void A_pod_already_in_the_runtime_form_passes_untouched()
    {
        var (_, once) = Mutate(SampleReviews.CounterPod());
        var (response, _) = Mutate(once);
        Assert.That(response.Allowed, Is.True);
        Assert.That(response.Patch, Is.Null, "a reinvoked webhook must not wrap the runtime twice");
    }

    private static JsonObject With(Action<JsonObject> change)
    {
        var pod = SampleReviews.CounterPod();
        change(pod);
        return pod;
    }

    private static IEnumerable<TestCaseData> Unfit()
    {
        yield return new TestCaseData(With(p => p["spec"]!["containers"]!.AsArray().Add(JsonNode.Parse("""{"name":"sidecar","image":""}"""))),
            "app container 'sidecar' has no image").SetName("a second app container without an image");
        yield return new TestCaseData(With(p => p["spec"]!["containers"]!.AsArray().Add(JsonNode.Parse("""{"name":"counter","image":"busybox"}"""))),
            "container name 'counter' is used twice").SetName("two app containers of one name");
        yield return new TestCaseData(With(p => p["spec"]!["hostNetwork"] = true), "cannot use hostNetwork").SetName("host network");
        yield return new TestCaseData(With(p => p["spec"]!["containers"]![0]!["securityContext"] = JsonNode.Parse("""{"privileged":true}""")),
            "app container 'counter' is privileged").SetName("privileged app");
        yield return new TestCaseData(With(p => p["spec"]!["volumes"]![0]!.AsObject().Remove("emptyDir")), "volume 'data' that is not an emptyDir").SetName("volume that is not an emptyDir");
        yield return new TestCaseData(With(p => p["spec"]!["volumes"]![0] = JsonNode.Parse("""{"name":"data","hostPath":{"path":"/srv"}}""")),
            "volume 'data' that is not an emptyDir").SetName("hostPath volume");
        yield return new TestCaseData(With(p => p["spec"]!["containers"]![0]!["env"]!.AsArray().Add(JsonNode.Parse("""{"name":"PASS","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}"""))),
            "env PASS uses valueFrom").SetName("env from a secret");
        yield return new TestCaseData(With(p => p["spec"]!["initContainers"] = JsonNode.Parse("""[{"name":"init","image":"busybox"}]""")),
            "cannot have init containers").SetName("init containers");
        yield return new TestCaseData(With(p => p["spec"]!["containers"]![0]!["ports"]![0]!["hostPort"] = 80), "asks for hostPort 80").SetName("host port");
    }

    [TestCaseSource(nameof(Unfit))]
    public void A_pod_the_runtime_form_cannot_hold_is_refused_with_one_line_and_no_patch(JsonObject pod, string reason)
    {
        var (response, _) = Mutate(pod);
        Assert.That(response.Allowed, Is.False);
        Assert.That(response.Patch, Is.Null, "never half-rewritten");
        Assert.That(response.Status!.Code, Is.EqualTo(422));
        Assert.That(response.Status.Message, Does.StartWith("federation: pod counter-7d9f cannot be made migratable: "));
        Assert.That(response.Status.Message, Does.Contain(reason));
        Assert.That(response.Status.Message, Does.Not.Contain("\n"));
    }

    [Test]
    public void A_review_without_a_pod_is_refused_not_thrown()
    {
        var answer = new PodMutator(new RuntimePodBuilder(SampleReviews.Options())).Review(new AdmissionReviewMessage { Request = new AdmissionRequestMessage { Uid = "u" } });
        Assert.That(answer.Response!.Allowed, Is.False);
        Assert.That(answer.Response.Status!.Message, Is.EqualTo("the AdmissionReview carries no pod object"));
    }

    [Test]
    public void Other_kinds_and_operations_pass()
    {
        var review = SampleReviews.Review(SampleReviews.CounterPod(), operation: "UPDATE");
        Assert.That(new PodMutator(new RuntimePodBuilder(SampleReviews.Options())).Review(review).Response!.Patch, Is.Null);
    }
}
