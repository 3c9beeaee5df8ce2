using Federation.Common;
using Federation.V1;
using k8s.Models;

namespace Federation.Adapters.Kubernetes.Pods;

/// <summary>
/// Between a pod's app containers and the app spec the Ambassador runs inside the runtime: what is carried over
/// (image, command and args, plain env, TCP/UDP ports, emptyDir mounts as inner volumes) and what refuses the pod.
/// </summary>
public static class AppContainerSpec
{
    /// <summary>
    /// The app spec of the pod's app containers: one container is a single-container app named after it; several are a
    /// workload of several containers (named after the pod), in the pod's order, the ports of all of them on the app.
    /// </summary>
    /// <exception cref="PodRewriteRefusal">The pod cannot run as one migratable app.</exception>
    public static AppSpec Of(V1Pod pod)
    {
        var spec = pod.Spec ?? throw new PodRewriteRefusal("the pod has no spec");
        var containers = spec.Containers ?? [];
        if (containers.Count == 0) throw new PodRewriteRefusal("the pod has no app container");
        if (spec.HostNetwork == true) throw new PodRewriteRefusal("a migratable pod cannot use hostNetwork: its address would not move with it");
        if (spec.HostPID == true || spec.HostIPC == true) throw new PodRewriteRefusal("a migratable pod cannot share the node's PID or IPC namespace");
        if (spec.InitContainers is { Count: > 0 }) throw new PodRewriteRefusal("a migratable pod cannot have init containers (they would run again at the destination)");
        var volumes = (spec.Volumes ?? []).ToDictionary(v => v.Name);
        var parts = containers.Select(c => ContainerOf(c, volumes)).ToList();
        AppSpec result;
        if (parts.Count == 1)
        {
            var (only, ports) = parts[0];
            result = new AppSpec { Name = only.Name, Image = only.Image };
            result.Command.AddRange(only.Command);
            result.Env.Add(only.Env);
            result.Volumes.AddRange(only.Volumes);
            result.Ports.AddRange(ports);
        }
        else
        {
            var name = pod.Metadata?.Name is { } podName && Names.IsAppName(podName) ? podName : parts[0].Container.Name;
            result = new AppSpec { Name = name };
            result.Containers.AddRange(parts.Select(p => p.Container));
            result.Ports.AddRange(parts.SelectMany(p => p.Ports));
        }
        try
        {
            AppSpecValidator.Validate(result);
        }
        catch (FederationException e)
        {
            throw new PodRewriteRefusal(parts.Count == 1 ? $"app container '{containers[0].Name}': {e.Message}" : e.Message);
        }
        return result;
    }

    private static (AppContainer Container, List<PortMapping> Ports) ContainerOf(V1Container app, IReadOnlyDictionary<string, V1Volume> volumes)
    {
        if (!Names.IsAppName(app.Name)) throw new PodRewriteRefusal($"app container name '{Names.Shorten(app.Name)}' is not a DNS label");
        if (string.IsNullOrWhiteSpace(app.Image)) throw new PodRewriteRefusal($"app container '{app.Name}' has no image");
        if (app.SecurityContext?.Privileged == true) throw new PodRewriteRefusal($"app container '{app.Name}' is privileged: a privileged app cannot be checkpointed safely");
        if (app.SecurityContext?.Capabilities?.Add is { Count: > 0 } added)
            throw new PodRewriteRefusal($"app container '{app.Name}' adds capabilities ({string.Join(", ", added)}), which the runtime does not grant");
        if (app.EnvFrom is { Count: > 0 }) throw new PodRewriteRefusal($"app container '{app.Name}' uses envFrom; only plain env values move with the app");
        if (app.Env?.FirstOrDefault(e => e.ValueFrom is not null) is { } fromRef)
            throw new PodRewriteRefusal($"app container '{app.Name}' env {fromRef.Name} uses valueFrom; only plain env values move with the app");

        var result = new AppContainer { Name = app.Name, Image = app.Image };
        result.Command.AddRange((app.Command ?? []).Concat(app.Args ?? []));
        foreach (var e in app.Env ?? []) result.Env[e.Name] = e.Value ?? "";
        var ports = new List<PortMapping>();
        foreach (var port in app.Ports ?? [])
        {
            var protocol = (port.Protocol ?? "TCP").ToUpperInvariant();
            if (protocol is not ("TCP" or "UDP")) throw new PodRewriteRefusal($"app container '{app.Name}' port {port.ContainerPort} uses {protocol}; only TCP and UDP are supported");
            if (port.HostPort is > 0) throw new PodRewriteRefusal($"app container '{app.Name}' port {port.ContainerPort} asks for hostPort {port.HostPort}, which does not move with the app");
            ports.Add(new PortMapping { ContainerPort = (uint)port.ContainerPort, Protocol = protocol.ToLowerInvariant() });
        }
        foreach (var mount in app.VolumeMounts ?? [])
        {
            if (!volumes.TryGetValue(mount.Name, out var volume)) throw new PodRewriteRefusal($"app container '{app.Name}' mounts volume '{mount.Name}', which the pod does not define");
            // Service account tokens are projected by the API server; they are the node's business, not the app's state.
            if (volume.Projected is not null && mount.MountPath.StartsWith("/var/run/secrets/kubernetes.io", StringComparison.Ordinal)) continue;
            if (volume.EmptyDir is null)
                throw new PodRewriteRefusal($"app container '{app.Name}' mounts volume '{mount.Name}' that is not an emptyDir; only emptyDir volumes move with the app (they become volumes of the inner dockerd)");
            result.Volumes.Add(new VolumeMount { Name = mount.Name, ContainerPath = mount.MountPath, ReadOnly = mount.ReadOnlyProperty == true });
        }
        return (result, ports);
    }

    /// <summary>The plain pod an app spec stands for (what a user would have written); the runtime form is made from it.</summary>
    public static V1Pod PodOf(string name, string ns, AppSpec spec)
    {
        var containers = AppSpecContainers.Of(spec);
        var volumes = containers.SelectMany(c => c.Volumes).Select(v => v.Name).Distinct(StringComparer.Ordinal).ToList();
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Spec = new V1PodSpec
            {
                Containers = containers.Select((c, index) => new V1Container
                {
                    Name = c.Name,
                    Image = c.Image,
                    Command = c.Command.Count > 0 ? c.Command.ToList() : null,
                    Env = c.Env.Count > 0 ? c.Env.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => new V1EnvVar { Name = e.Key, Value = e.Value }).ToList() : null,
                    // The app's ports, on its first container (all share its network).
                    Ports = index == 0 && spec.Ports.Count > 0
                        ? spec.Ports.Select(p => new V1ContainerPort { ContainerPort = (int)(p.RuntimePort != 0 ? p.RuntimePort : p.ContainerPort), Protocol = string.IsNullOrEmpty(p.Protocol) ? "TCP" : p.Protocol.ToUpperInvariant() }).ToList()
                        : null,
                    VolumeMounts = c.Volumes.Count > 0 ? c.Volumes.Select(v => new V1VolumeMount { MountPath = v.ContainerPath, Name = v.Name, ReadOnlyProperty = v.ReadOnly ? true : null }).ToList() : null,
                }).ToList(),
                Volumes = volumes.Count > 0 ? volumes.Select(v => new V1Volume { Name = v, EmptyDir = new V1EmptyDirVolumeSource() }).ToList() : null,
            },
        };
    }
}
