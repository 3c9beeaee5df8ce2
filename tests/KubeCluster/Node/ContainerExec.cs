using Docker.DotNet;
using Docker.DotNet.Models;

namespace Federation.Tests.Kube;

/// <summary>Runs a command in a running container (<c>kubectl exec</c>, exec probes), bounded in time.</summary>
public static class ContainerExec
{
    /// <returns>The exit code (null when the command did not finish in time) and what it wrote on stdout and stderr.</returns>
    public static async Task<(long? ExitCode, string Output)> RunAsync(DockerClient docker, string containerId, IList<string> command, TimeSpan timeout, CancellationToken ct)
    {
        var exec = await docker.Exec.ExecCreateContainerAsync(containerId, new ContainerExecCreateParameters
        {
            Cmd = command,
            AttachStdout = true,
            AttachStderr = true,
        }, ct);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        try
        {
            using var stream = await docker.Exec.StartAndAttachContainerExecAsync(exec.ID, tty: false, bounded.Token);
            var (stdout, stderr) = await stream.ReadOutputToEndAsync(bounded.Token);
            var inspect = await docker.Exec.InspectContainerExecAsync(exec.ID, ct);
            return (inspect.Running ? null : inspect.ExitCode, stdout + stderr);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"timed out after {timeout.TotalSeconds:0.#} s");
        }
    }
}
