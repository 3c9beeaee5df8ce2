using Docker.DotNet.Models;
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
            if (nativePrivileged)
            {
                config.Privileged = true;
            }
            else
            {
                // --privileged fails on kernels whose bounding set lacks CAP_SYS_RESOURCE (shared/ENVIRONMENT.md).
                config.CapAdd = ["ALL"];
                config.CapDrop = ["SYS_RESOURCE"];
                config.SecurityOpt = ["seccomp=unconfined", "apparmor=unconfined"];
                config.MaskedPaths = [];
                config.ReadonlyPaths = [];
                config.DeviceCgroupRules = ["a *:* rwm"];
                // A privileged container sees a writable cgroup tree (what Docker-in-Docker needs).
                config.Binds = [.. config.Binds ?? [], "/sys/fs/cgroup:/sys/fs/cgroup:rw"];
            }
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
