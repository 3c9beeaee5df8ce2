using System.Globalization;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Tests;

/// <summary>What the node agent makes of a pod spec: namespaces, privileges, volumes, the downward API, images, restarts, probes.</summary>
[TestFixture]
public sealed class PodTests() : ClusterFixture("pod")
{
    private const int CapSysAdmin = 21;

    [Test]
    public async Task A_privileged_pod_sharing_its_process_namespace_sees_its_siblings_processes_and_a_memory_emptydir()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "shared" },
            Spec = new V1PodSpec
            {
                ShareProcessNamespace = true,
                Volumes = [new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory" } }],
                Containers =
                [
                    new V1Container
                    {
                        Name = "writer", Image = TestAppImage, Command = ["sh", "-c", "echo hello > /scratch/note; exec sleep 31337"],
                        VolumeMounts = [new V1VolumeMount { Name = "scratch", MountPath = "/scratch" }],
                    },
                    new V1Container
                    {
                        Name = "watcher", Image = TestAppImage, Command = ["sleep", "4242"],
                        SecurityContext = new V1SecurityContext { Privileged = true },
                        VolumeMounts = [new V1VolumeMount { Name = "scratch", MountPath = "/scratch" }],
                    },
                ],
            },
        }, Ns);
        await RunningAsync("shared");

        var ps = await ExecAsync("shared", "watcher", "ps");
        var mounts = await ExecAsync("shared", "watcher", "cat", "/proc/mounts");
        var note = await Eventually.WaitAsync(async () => (await ExecAsync("shared", "watcher", "cat", "/scratch/note")).Trim() is "hello" ? "hello" : null, "the sibling's file in the emptyDir");
        var privileged = Capabilities(await ExecAsync("shared", "watcher", "cat", "/proc/self/status"));
        var plain = Capabilities(await ExecAsync("shared", "writer", "cat", "/proc/self/status"));
        Assert.Multiple(() =>
        {
            Assert.That(ps, Does.Contain("sleep 31337"), "the sibling's process is visible");
            Assert.That(mounts.Split('\n').Any(l => l.Split(' ') is [_, "/scratch", "tmpfs", ..]), Is.True, "/scratch is a tmpfs: " + mounts);
            Assert.That(note, Is.EqualTo("hello"));
            Assert.That(privileged & (1UL << CapSysAdmin), Is.Not.Zero, "the privileged container holds CAP_SYS_ADMIN");
            Assert.That(plain & (1UL << CapSysAdmin), Is.Zero, "the plain container does not");
        });
    }

    [Test]
    public async Task Downward_api_env_and_volume_carry_the_pods_own_values()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "downward", Labels = new Dictionary<string, string> { ["tier"] = "probe" } },
            Spec = new V1PodSpec
            {
                Volumes = [new V1Volume { Name = "info", DownwardAPI = new V1DownwardAPIVolumeSource { Items = [new V1DownwardAPIVolumeFile { Path = "labels", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels" } }] } }],
                Containers =
                [
                    new V1Container
                    {
                        Name = "app", Image = TestAppImage, Command = ["sleep", "600"],
                        VolumeMounts = [new V1VolumeMount { Name = "info", MountPath = "/etc/podinfo" }],
                        Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("64Mi") } },
                        Env =
                        [
                            Field("POD_NAME", "metadata.name"), Field("POD_NAMESPACE", "metadata.namespace"), Field("POD_UID", "metadata.uid"),
                            Field("POD_IP", "status.podIP"), Field("NODE_NAME", "spec.nodeName"),
                            new V1EnvVar { Name = "MEMORY_MIB", ValueFrom = new V1EnvVarSource { ResourceFieldRef = new V1ResourceFieldSelector { Resource = "limits.memory", Divisor = new ResourceQuantity("1Mi") } } },
                            new V1EnvVar { Name = "GREETING", Value = "pod $(POD_NAME)" },
                        ],
                    },
                ],
            },
        }, Ns);
        var pod = await RunningAsync("downward");

        var env = (await ExecAsync("downward", "app", "/bin/busybox", "env")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        var labels = await ExecAsync("downward", "app", "cat", "/etc/podinfo/labels");
        Assert.Multiple(() =>
        {
            Assert.That(env["POD_NAME"], Is.EqualTo("downward"));
            Assert.That(env["POD_NAMESPACE"], Is.EqualTo(Ns));
            Assert.That(env["POD_UID"], Is.EqualTo(pod.Metadata.Uid));
            Assert.That(env["POD_IP"], Is.EqualTo(pod.Status.PodIP));
            Assert.That(env["NODE_NAME"], Is.EqualTo(Cluster.NodeName));
            Assert.That(env["MEMORY_MIB"], Is.EqualTo("64"));
            Assert.That(env["GREETING"], Is.EqualTo("pod downward"));
            Assert.That(labels, Is.EqualTo("tier=\"probe\""));
        });
    }

    [Test]
    public async Task An_image_that_is_not_on_the_node_leaves_the_pod_pending_with_ErrImagePull()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "noimage" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "fedkube.invalid/missing:never" }] },
        }, Ns);
        var status = await Eventually.WaitAsync(async () =>
            (await Client.CoreV1.ReadNamespacedPodAsync("noimage", Ns)).Status?.ContainerStatuses?.SingleOrDefault()?.State?.Waiting is { Reason: "ErrImagePull" } w ? w : null,
            "the container waiting with ErrImagePull");
        Assert.That(status.Message, Does.Contain("fedkube.invalid/missing:never"));
        Assert.That((await Client.CoreV1.ReadNamespacedPodAsync("noimage", Ns)).Status.Phase, Is.EqualTo("Pending"));
    }

    [Test]
    public async Task A_container_that_exits_is_restarted_under_restartPolicy_Always_and_reports_its_exit()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "crasher" },
            Spec = new V1PodSpec { RestartPolicy = "Always", Containers = [new V1Container { Name = "app", Image = TestAppImage, Command = ["sh", "-c", "sleep 1; exit 3"] }] },
        }, Ns);
        var status = await Eventually.WaitAsync(async () =>
            (await Client.CoreV1.ReadNamespacedPodAsync("crasher", Ns)).Status?.ContainerStatuses?.SingleOrDefault() is { RestartCount: >= 1 } s ? s : null,
            "the container restarted");
        Assert.That(status.LastState?.Terminated?.ExitCode, Is.EqualTo(3));

        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "once" },
            Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "app", Image = TestAppImage, Command = ["sh", "-c", "exit 4"] }] },
        }, Ns);
        var failed = await Eventually.WaitAsync(async () =>
            await Client.CoreV1.ReadNamespacedPodAsync("once", Ns) is { Status.Phase: "Failed" } p ? p : null, "the pod failed");
        Assert.That(failed.Status.ContainerStatuses.Single().State.Terminated.ExitCode, Is.EqualTo(4));
        Assert.That(failed.Status.ContainerStatuses.Single().RestartCount, Is.Zero);
    }

    [Test]
    public async Task A_readiness_probe_decides_whether_the_pod_is_an_endpoint()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "gated", Labels = new Dictionary<string, string> { ["app"] = "gated" } },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container
                    {
                        Name = "app", Image = TestAppImage, Command = ["sleep", "600"],
                        Ports = [new V1ContainerPort { ContainerPort = 7000 }],
                        ReadinessProbe = new V1Probe { Exec = new V1ExecAction { Command = ["cat", "/tmp/ready"] }, PeriodSeconds = 1, FailureThreshold = 1 },
                    },
                ],
            },
        }, Ns);
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "gated" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "gated" }, Ports = [new V1ServicePort { Port = 7000 }] },
        }, Ns);
        var pod = await Eventually.WaitAsync(async () => await Client.CoreV1.ReadNamespacedPodAsync("gated", Ns) is { Status.Phase: "Running" } p && !IsReady(p) ? p : null,
            "the pod running but not ready");
        var notReady = await Eventually.WaitAsync(async () =>
            (await Client.CoreV1.ReadNamespacedEndpointsAsync("gated", Ns)).Subsets?.SingleOrDefault()?.NotReadyAddresses?.SingleOrDefault(), "the pod listed as not ready");
        Assert.That(notReady.Ip, Is.EqualTo(pod.Status.PodIP));

        await ExecAsync("gated", "app", "/bin/busybox", "touch", "/tmp/ready");

        var ready = await Eventually.WaitAsync(async () =>
            (await Client.CoreV1.ReadNamespacedEndpointsAsync("gated", Ns)).Subsets?.SingleOrDefault()?.Addresses?.SingleOrDefault(), "the pod listed as ready");
        Assert.That(ready.Ip, Is.EqualTo(pod.Status.PodIP));
        Assert.That(IsReady(await Client.CoreV1.ReadNamespacedPodAsync("gated", Ns)), Is.True);
    }

    private async Task<string> ExecAsync(string pod, string container, params string[] command)
    {
        var (code, output) = await Cluster.ExecAsync(Ns, pod, container, command, CancellationToken.None);
        Assert.That(code, Is.EqualTo(0), $"{string.Join(' ', command)} in {pod}/{container}: {output}");
        return output;
    }

    private static ulong Capabilities(string status) =>
        ulong.Parse(status.Split('\n').Single(l => l.StartsWith("CapEff:", StringComparison.Ordinal))["CapEff:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static V1EnvVar Field(string name, string path) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = path } } };
}
