using Docker.DotNet.Models;
using Federation.Tests.Harness;
using k8s.Models;

namespace Federation.Tests.Kube;

/// <summary>A container's <c>securityContext</c> as Docker host settings.</summary>
public static class ContainerPrivileges
{
    public static void Apply(HostConfig config, V1Container container, bool nativePrivileged)
    {
        var security = container.SecurityContext;
        if (security?.Privileged == true)
        {
            DockerPrivileges.Apply(config, nativePrivileged);
            return;
        }
        if (security?.Capabilities is { } caps)
        {
            if (caps.Add is { Count: > 0 }) config.CapAdd = caps.Add.ToList();
            if (caps.Drop is { Count: > 0 }) config.CapDrop = caps.Drop.ToList();
        }
        if (security?.ReadOnlyRootFilesystem == true) config.ReadonlyRootfs = true;
    }

    /// <summary>The Docker user (<c>uid[:gid]</c>) of the container, or null for the image's.</summary>
    public static string? UserOf(V1Pod pod, V1Container container)
    {
        var uid = container.SecurityContext?.RunAsUser ?? pod.Spec.SecurityContext?.RunAsUser;
        var gid = container.SecurityContext?.RunAsGroup ?? pod.Spec.SecurityContext?.RunAsGroup;
        return uid is null ? null : gid is null ? $"{uid}" : $"{uid}:{gid}";
    }
}
