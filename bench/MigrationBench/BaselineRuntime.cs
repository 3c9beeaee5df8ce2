using System.Globalization;

namespace Federation.MigrationBench;

/// <summary>
/// A Docker-in-Docker runtime as UMS's DinD mode has it: a container of the runtime image running its own dockerd, with the same
/// privileges, tmpfs state volume and data root as the Docker-host adapter gives ours (adapters/Docker/DockerRuntimeHost.cs),
/// the app's port published on 127.0.0.1. Its inner dockerd is driven with the docker CLI through the socket on the state volume.
/// </summary>
public sealed class BaselineRuntime
{
    private const string StatePath = "/var/lib/federation";
    private static readonly TimeSpan ReadyBound = TimeSpan.FromSeconds(90);

    private BaselineRuntime(string name, string volumePath, int pid, string ip, int appPort)
    {
        Name = name;
        VolumePath = volumePath;
        Pid = pid;
        Ip = ip;
        AppPort = appPort;
    }

    public string Name { get; }
    /// <summary>The state volume's mountpoint on the host (inner data root under docker/, socket under run/).</summary>
    public string VolumePath { get; }
    public int Pid { get; }
    public string Ip { get; }
    /// <summary>The host port (127.0.0.1) of the app's port 7000.</summary>
    public int AppPort { get; }

    public string DataRoot => Path.Combine(VolumePath, "docker");

    public static async Task<BaselineRuntime> StartAsync(string name, string network, string image, CancellationToken ct)
    {
        var volume = $"{name}-state";
        await Shell.DockerAsync(ct, "volume", "create", "--driver", "local", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt", "o=size=16g", volume);
        await Shell.DockerAsync(ct, "run", "-d", "--name", name, "--network", network,
            // The runtime's privileges where --privileged fails (shared/ENVIRONMENT.md), as DockerRuntimeHost gives them.
            "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE", "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
            "--security-opt", "systempaths=unconfined", "--device-cgroup-rule", "a *:* rwm", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
            "--tmpfs", "/run", "--tmpfs", "/tmp", "-v", $"{volume}:{StatePath}", "-p", $"127.0.0.1::{AppSpecs.Port}",
            "--entrypoint", "/bin/sh", image, "-c",
            $"mkdir -p {StatePath}/run && exec dockerd --experimental --data-root {StatePath}/docker -H unix://{StatePath}/run/docker.sock");
        var volumePath = await Shell.DockerAsync(ct, "volume", "inspect", "-f", "{{.Mountpoint}}", volume);
        var pid = int.Parse(await Shell.DockerAsync(ct, "inspect", "-f", "{{.State.Pid}}", name), CultureInfo.InvariantCulture);
        var ip = await Shell.DockerAsync(ct, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name);
        var published = await Shell.DockerAsync(ct, "port", name, $"{AppSpecs.Port}/tcp");
        var port = int.Parse(published.Split('\n')[0].Split(':')[^1], CultureInfo.InvariantCulture);
        var runtime = new BaselineRuntime(name, volumePath, pid, ip, port);
        await runtime.WaitForDockerdAsync(ct);
        return runtime;
    }

    /// <summary>The docker CLI against this runtime's inner dockerd.</summary>
    public Task<string> DockerAsync(TimeSpan timeout, CancellationToken ct, params string[] arguments) =>
        Shell.CheckedAsync("docker", ["-H", $"unix://{VolumePath}/run/docker.sock", .. arguments], timeout, ct);

    /// <summary>Loads the app image from the outer engine (not timed: UMS's nodes have the image before a move).</summary>
    public Task LoadImageAsync(string image, CancellationToken ct) =>
        Shell.CheckedAsync("bash", ["-c", $"set -o pipefail; docker save '{image}' | docker -H 'unix://{VolumePath}/run/docker.sock' load -q"], TimeSpan.FromMinutes(5), ct);

    /// <summary>CRIU's kernel-feature probe, cached in /run/criu.kdat: a long-lived UMS node has it warm.</summary>
    public Task WarmCriuAsync(CancellationToken ct) => Shell.RunAsync("docker", ["exec", Name, "criu", "check"], TimeSpan.FromMinutes(1), ct);

    private async Task WaitForDockerdAsync(CancellationToken ct)
    {
        var until = BenchClock.Now + ReadyBound;
        var last = "";
        while (BenchClock.Now < until)
        {
            var info = await Shell.RunAsync("docker", ["-H", $"unix://{VolumePath}/run/docker.sock", "version", "-f", "{{.Server.Version}}"], TimeSpan.FromSeconds(20), ct);
            if (info.ExitCode == 0) return;
            last = info.OneLineError;
            await Task.Delay(250, ct);
        }
        throw new BenchException($"the dockerd of runtime {Name} did not answer within {ReadyBound.TotalSeconds:F0} s ({last})");
    }

    public static async Task RemoveAsync(string name, CancellationToken ct)
    {
        await Shell.RunAsync("docker", ["rm", "-f", name], TimeSpan.FromMinutes(2), ct);
        await Shell.RunAsync("docker", ["volume", "rm", "-f", $"{name}-state"], TimeSpan.FromMinutes(2), ct);
    }
}
