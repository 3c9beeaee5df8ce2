namespace Federation.RuntimeModule.Tests;

/// <summary>Runs a shell line in, and reads a file out of, an app container of a runtime's inner dockerd.</summary>
public static class InnerContainerFiles
{
    public static async Task<(long? Code, string Output)> ExecAsync(Docker.DotNet.DockerClient docker, string container, string script)
    {
        var exec = await docker.Exec.ExecCreateContainerAsync(container, new Docker.DotNet.Models.ContainerExecCreateParameters
        {
            Cmd = ["/bin/sh", "-c", script],
            AttachStdout = true,
            AttachStderr = true,
        });
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var stream = await docker.Exec.StartAndAttachContainerExecAsync(exec.ID, tty: false, bounded.Token);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(bounded.Token);
        var inspect = await docker.Exec.InspectContainerExecAsync(exec.ID);
        return (inspect.Running ? null : inspect.ExitCode, stdout + stderr);
    }

    /// <summary>The file's text, or null when it is not there.</summary>
    public static async Task<string?> ReadAsync(Docker.DotNet.DockerClient docker, string container, string path)
    {
        try
        {
            var archive = await docker.Containers.GetArchiveFromContainerAsync(container,
                new Docker.DotNet.Models.GetArchiveFromContainerParameters { Path = path }, statOnly: false);
            await using var stream = archive.Stream;
            using var reader = new System.Formats.Tar.TarReader(stream);
            var entry = await reader.GetNextEntryAsync();
            if (entry?.DataStream is null) return "";
            using var text = new StreamReader(entry.DataStream);
            return await text.ReadToEndAsync();
        }
        catch (Docker.DotNet.DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
