using Federation.Adapters.Docker;
using Federation.V1;
using Grpc.Core;
using Grpc.Net.Client;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Tests;

/// <summary>
/// The runtime image run as a pod the way the Docker adapter runs it (DockerRuntimeHost): a privileged dockerd container and
/// the Engine container sharing the pod's network and process namespaces and a state emptyDir, the module bind-mounted from
/// the host through hostPath. Its Engine answers through a Service: the harness can host the Kubernetes adapter's runtime pods.
/// </summary>
[TestFixture]
public sealed class RuntimePodTests() : ClusterFixture("rt")
{
    private const string State = "/var/lib/federation";
    private const string Module = "/opt/federation/runtime";

    [Test]
    public async Task The_runtime_image_runs_as_a_pod_and_its_engine_answers_through_a_service()
    {
        var (runtimeImage, moduleDir, dotnet) = RuntimeModuleOnHost.Locate();
        var token = Federation.Common.Auth.BearerToken.New();
        V1VolumeMount StateMount() => new() { Name = "state", MountPath = State };

        await Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "runtime", Labels = new Dictionary<string, string> { ["federation.runtime"] = "runtime" } },
            Spec = new V1PodSpec
            {
                ShareProcessNamespace = true,
                Volumes =
                [
                    new V1Volume { Name = "state", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory" } },
                    new V1Volume { Name = "run", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory" } },
                    new V1Volume { Name = "dotnet", HostPath = new V1HostPathVolumeSource { Path = dotnet, Type = "Directory" } },
                    new V1Volume { Name = "module", HostPath = new V1HostPathVolumeSource { Path = moduleDir, Type = "Directory" } },
                ],
                Containers =
                [
                    new V1Container
                    {
                        Name = "runtime", Image = runtimeImage,
                        Command = ["/bin/sh", "-c", $"mkdir -p {State}/run {State}/checkpoints {State}/apps && exec dockerd --experimental --data-root {State}/docker -H unix://{State}/run/docker.sock"],
                        SecurityContext = new V1SecurityContext { Privileged = true },
                        VolumeMounts = [StateMount(), new V1VolumeMount { Name = "run", MountPath = "/run" }],
                    },
                    new V1Container
                    {
                        Name = "engine", Image = runtimeImage,
                        Command = [Path.Combine(dotnet, "dotnet"), $"{Module}/Federation.RuntimeModule.dll", "engine"],
                        SecurityContext = new V1SecurityContext { Privileged = true },
                        Env =
                        [
                            new V1EnvVar { Name = "DOTNET_ROOT", Value = dotnet },
                            new V1EnvVar { Name = "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", Value = "1" },
                            new V1EnvVar { Name = "FEDERATION_STATE_DIR", Value = State },
                            new V1EnvVar { Name = "FEDERATION_ENGINE_PORT", Value = $"{RuntimeLaunchOptions.EnginePort}" },
                            new V1EnvVar { Name = "FEDERATION_ENGINE_TOKEN", Value = token },
                        ],
                        Ports = [new V1ContainerPort { Name = "engine", ContainerPort = RuntimeLaunchOptions.EnginePort }],
                        ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = "engine" }, PeriodSeconds = 1 },
                        VolumeMounts =
                        [
                            StateMount(),
                            new V1VolumeMount { Name = "dotnet", MountPath = dotnet, ReadOnlyProperty = true },
                            new V1VolumeMount { Name = "module", MountPath = Module, ReadOnlyProperty = true },
                        ],
                    },
                ],
            },
        }, Ns);
        await Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "engine" },
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["federation.runtime"] = "runtime" },
                Ports = [new V1ServicePort { Port = RuntimeLaunchOptions.EnginePort, TargetPort = "engine" }],
            },
        }, Ns);
        await RunningAsync("runtime", seconds: 120);

        var address = await Cluster.WaitForServiceAsync(Ns, "engine", RuntimeLaunchOptions.EnginePort, CancellationToken.None);
        using var channel = GrpcChannel.ForAddress($"http://{address}");
        var engine = new Engine.EngineClient(channel);
        var headers = new Metadata { { Federation.Common.Auth.BearerToken.Header, Federation.Common.Auth.BearerToken.HeaderValue(token) } };
        var probe = await Eventually.WaitAsync(async () =>
            await engine.ProbeAsync(new ProbeRequest(), headers, deadline: DateTime.UtcNow.AddSeconds(10)) is { DockerReady: true } p ? p : null,
            "the Engine reporting its dockerd ready", seconds: 120);
        Assert.That(probe.DockerReady, Is.True, probe.Message);
        var refused = Assert.ThrowsAsync<RpcException>(async () => await engine.ProbeAsync(new ProbeRequest(), deadline: DateTime.UtcNow.AddSeconds(10)));
        Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.Unauthenticated), "the Engine behind the Service still demands its credential");
    }
}
