using Docker.DotNet.Models;

namespace Federation.Tests.Harness;

/// <summary>
/// A privileged container's Docker host settings, as the Docker adapter's DockerRuntimeHost gives its runtime containers:
/// Docker's --privileged, or (where that fails) the capability set that stands in for it.
/// </summary>
public static class DockerPrivileges
{
    public static void Apply(HostConfig config, bool nativePrivileged)
    {
        if (nativePrivileged)
        {
            config.Privileged = true;
            return;
        }
        // --privileged fails on kernels whose bounding set lacks CAP_SYS_RESOURCE (shared/ENVIRONMENT.md).
        config.CapAdd = ["ALL"];
        config.CapDrop = ["SYS_RESOURCE"];
        config.SecurityOpt = ["seccomp=unconfined", "apparmor=unconfined"];
        // What `--security-opt systempaths=unconfined` means on the API: nothing masked, nothing read-only under /proc and /sys.
        config.MaskedPaths = [];
        config.ReadonlyPaths = [];
        config.DeviceCgroupRules = ["a *:* rwm"];
        // A privileged container sees a writable cgroup tree (what Docker-in-Docker needs).
        config.Binds = [.. config.Binds ?? [], "/sys/fs/cgroup:/sys/fs/cgroup:rw"];
    }
}
