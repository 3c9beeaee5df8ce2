using System.Globalization;
using Docker.DotNet.Models;
using Federation.Tests.Marathon.Model;

namespace Federation.Tests.Marathon.Agent;

/// <summary>
/// The Docker container of a task, as the Mesos Docker containerizer makes it: name <c>mesos-&lt;uuid&gt;</c>, the image,
/// <c>cmd</c> as <c>/bin/sh -c</c> (or <c>args</c> after the image's entrypoint), the environment, host path volumes, the
/// network (BRIDGE: the agent's network with host ports published on the agent's address; HOST; USER: the agent's network
/// by its container address), privileged, cpus and mem as limits, and the <c>parameters</c>.
/// </summary>
public static class ContainerFactory
{
    public static CreateContainerParameters Build(AppDefinition app, string uuid, string taskId, IReadOnlyList<string> env, IReadOnlyList<int> hostPorts,
        string agentAddress, MesosAgentOptions options)
    {
        var docker = app.Docker ?? throw new TaskLaunchException("Failed to launch container: the test agent runs only Docker containers (container.type DOCKER)");
        var labels = new Dictionary<string, string>
        {
            [AgentLabels.Agent] = options.Prefix,
            [AgentLabels.Task] = taskId,
            [AgentLabels.App] = app.Id,
        };
        var host = new HostConfig
        {
            NetworkMode = app.Network == "HOST" ? "host" : options.Network,
            Binds = [],
            CPUShares = Math.Max(2, (long)(app.Cpus * 1024)),
            Memory = options.EnforceMemory && app.Mem > 0 ? Math.Max(6L << 20, (long)(app.Mem * 1024 * 1024)) : 0,
        };
        foreach (var volume in app.Volumes)
        {
            if (volume.HostPath is null || volume.Persistent)
                throw new TaskLaunchException($"Failed to launch container: volume {volume.ContainerPath}: the test agent supports host path volumes only");
            if (!volume.HostPath.StartsWith('/'))
                throw new TaskLaunchException($"Failed to launch container: volume {volume.ContainerPath}: host path {volume.HostPath} is not absolute");
            host.Binds.Add($"{volume.HostPath}:{volume.ContainerPath}:{(volume.Mode == "RO" ? "ro" : "rw")}");
        }
        var create = new CreateContainerParameters
        {
            Name = $"mesos-{uuid}",
            Image = docker.Image,
            Env = [.. env],
            Labels = labels,
            User = app.User is { Length: > 0 } user && user != "root" ? user : null,
            HostConfig = host,
        };
        if (app.Cmd is { } cmd)
        {
            create.Entrypoint = ["/bin/sh", "-c"];
            create.Cmd = [cmd];
        }
        else if (app.Args is { Count: > 0 } args)
        {
            create.Cmd = [.. args];
        }
        if (app.Network == "BRIDGE")
        {
            create.ExposedPorts = new Dictionary<string, EmptyStruct>();
            host.PortBindings = new Dictionary<string, IList<PortBinding>>();
            for (var i = 0; i < app.Ports.Count; i++)
            {
                var mapping = app.Ports[i];
                foreach (var protocol in mapping.Protocol.Split(','))
                {
                    var key = $"{mapping.ContainerPort}/{protocol}";
                    create.ExposedPorts[key] = default;
                    host.PortBindings[key] = [new PortBinding { HostIP = agentAddress, HostPort = hostPorts[i].ToString(CultureInfo.InvariantCulture) }];
                }
            }
        }
        if (docker.Privileged) Privileges(host, options.NativePrivileged);
        DockerParameters.Apply(docker.Parameters, create, host);
        return create;
    }

    /// <summary>"privileged": Docker's --privileged, or the capability set that stands in for it on kernels where that fails.</summary>
    private static void Privileges(HostConfig host, bool native)
    {
        if (native)
        {
            host.Privileged = true;
            return;
        }
        host.CapAdd = ["ALL"];
        host.CapDrop = ["SYS_RESOURCE"];
        host.SecurityOpt = ["seccomp=unconfined", "apparmor=unconfined"];
        host.MaskedPaths = [];
        host.ReadonlyPaths = [];
        host.DeviceCgroupRules = ["a *:* rwm"];
        host.Binds.Add("/sys/fs/cgroup:/sys/fs/cgroup:rw");
    }
}
