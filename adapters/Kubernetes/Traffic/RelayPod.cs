using System.Globalization;
using Federation.Adapters.Kubernetes.Cluster;
using Federation.Adapters.Kubernetes.Pods;
using Federation.Common;
using k8s;
using k8s.Models;

namespace Federation.Adapters.Kubernetes.Traffic;

/// <summary>
/// The holding relay (adapters/Relay) as a pod of the home cluster: Kubernetes cannot make new connections wait, so
/// every workload Service of this cluster leads to the relay, which forwards to wherever the workload runs now and
/// holds new connections during a switch. It runs on the pod network (its own address, behind the Services; no host
/// ports), its control socket on a hostPath directory this coordinator shares (the relay's control API is a unix socket
/// only), as this coordinator's user. One per cluster, named <c>federation-relay-{cluster}</c>.
/// </summary>
public sealed class RelayPod(KubeApi api, KubernetesAdapterOptions options)
{
    private const string RelayMount = "/relay";

    public string Name => $"federation-relay-{options.Cluster}";
    public string Namespace => options.SystemNamespace;
    public string Directory => options.RelayDirectory;
    public string SocketPath => Path.Combine(options.RelayDirectory, Adapters.Relay.Hosting.RelaySettings.SocketFileName);

    /// <summary>The relay pod's address once it runs; starts it when there is none (or it ended).</summary>
    public async Task<string> EnsureRunningAsync(CancellationToken ct)
    {
        var pod = await api.FindAsync($"read relay pod {Namespace}/{Name}", t => api.Client.CoreV1.ReadNamespacedPodAsync(Name, Namespace, cancellationToken: t), ct);
        if (pod is not null && pod.Metadata.DeletionTimestamp is null && pod.Status?.Phase is not ("Failed" or "Succeeded") && PodStates.IsRunning(pod) && pod.Status?.PodIP is { Length: > 0 } ip)
            return ip;
        if (pod is not null && (pod.Metadata.DeletionTimestamp is not null || pod.Status?.Phase is "Failed" or "Succeeded"))
        {
            await api.DeleteAsync($"delete relay pod {Namespace}/{Name}", t => api.Client.CoreV1.DeleteNamespacedPodAsync(Name, Namespace, gracePeriodSeconds: 0, cancellationToken: t), ct);
            await api.WaitForGoneAsync(Namespace, Name, TimeSpan.FromSeconds(60), ct);
            pod = null;
        }
        if (pod is null)
        {
            System.IO.Directory.CreateDirectory(Directory);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            await api.EnsureNamespaceAsync(Namespace, ct);
            try
            {
                await api.CallAsync($"create relay pod {Namespace}/{Name}", t => api.Client.CoreV1.CreateNamespacedPodAsync(Spec(), Namespace, cancellationToken: t), ct);
            }
            catch (FederationException e) when (e.Error == FederationError.AlreadyExists)
            {
            }
        }
        var running = await api.WaitForPodAsync(Namespace, Name, p => PodStates.IsRunning(p) && !string.IsNullOrEmpty(p.Status?.PodIP), options.PodReadyTimeout, ct);
        // The control socket appears once the process listens.
        for (var attempt = 0; attempt < 100 && !File.Exists(SocketPath); attempt++) await Task.Delay(Common.Retry.Backoff.Delay(attempt + 1, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1)), ct);
        return running.Status!.PodIP;
    }

    public async Task RemoveAsync(CancellationToken ct)
    {
        await api.DeleteAsync($"delete relay pod {Namespace}/{Name}", t => api.Client.CoreV1.DeleteNamespacedPodAsync(Name, Namespace, cancellationToken: t), ct);
        await api.WaitForGoneAsync(Namespace, Name, TimeSpan.FromSeconds(60), ct);
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }

    private V1Pod Spec()
    {
        var pods = options.Pods;
        var user = HostUser.UidGid()?.Split(':');
        var mounts = new List<V1VolumeMount> { new() { Name = "relay", MountPath = RelayMount } };
        var volumes = new List<V1Volume> { new() { Name = "relay", HostPath = new V1HostPathVolumeSource { Path = Directory, Type = "DirectoryOrCreate" } } };
        if (pods.ModulesFromHost)
        {
            mounts.Add(new V1VolumeMount { Name = "modules", MountPath = RuntimePodOptions.ModulePath, ReadOnlyProperty = true });
            mounts.Add(new V1VolumeMount { Name = "dotnet", MountPath = pods.DotnetRoot, ReadOnlyProperty = true });
            volumes.Add(new V1Volume { Name = "modules", HostPath = new V1HostPathVolumeSource { Path = pods.ModuleDirectory, Type = "Directory" } });
            volumes.Add(new V1Volume { Name = "dotnet", HostPath = new V1HostPathVolumeSource { Path = pods.DotnetRoot, Type = "Directory" } });
        }
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                Name = Name,
                NamespaceProperty = Namespace,
                Labels = new Dictionary<string, string> { ["federation.io/relay"] = options.Cluster },
            },
            Spec = new V1PodSpec
            {
                RestartPolicy = "Always",
                AutomountServiceAccountToken = false,
                Containers =
                [
                    new V1Container
                    {
                        Name = "relay",
                        Image = pods.EngineImageOrRuntime,
                        Command = [Path.Combine(pods.DotnetInContainer, "dotnet"), $"{RuntimePodOptions.ModulePath}/Federation.Adapters.Relay.dll"],
                        Env =
                        [
                            new V1EnvVar { Name = "DOTNET_ROOT", Value = pods.DotnetInContainer },
                            new V1EnvVar { Name = "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", Value = "1" },
                            new V1EnvVar { Name = "FEDERATION_RELAY_DIR", Value = RelayMount },
                            new V1EnvVar { Name = "FEDERATION_RELAY_LISTEN_ADDRESS", Value = "0.0.0.0" },
                            new V1EnvVar { Name = "FEDERATION_RELAY_MAX_HOLD", Value = options.MaxTrafficHold.TotalSeconds.ToString(CultureInfo.InvariantCulture) },
                        ],
                        SecurityContext = new V1SecurityContext
                        {
                            RunAsUser = user is null ? null : long.Parse(user[0], CultureInfo.InvariantCulture),
                            RunAsGroup = user is null ? null : long.Parse(user[1], CultureInfo.InvariantCulture),
                            AllowPrivilegeEscalation = false,
                            ReadOnlyRootFilesystem = true,
                            Capabilities = new V1Capabilities { Drop = ["ALL"] },
                        },
                        VolumeMounts = mounts,
                    },
                ],
                Volumes = volumes,
            },
        };
    }
}
