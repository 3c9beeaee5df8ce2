using Federation.RuntimeModule.DockerApi;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// dockerd's root directory (where a restore stages the checkpoint), asked once: it does not change while the runtime runs.
/// A Describe, which a destination answers while its target is prepared, remembers it, so the restore does not ask inside the freeze.
/// </summary>
public sealed class DockerRootDirectory(DockerSocket docker)
{
    private string? known;

    public void Remember(string? directory)
    {
        if (!string.IsNullOrEmpty(directory)) known ??= directory;
    }

    public async Task<string> GetAsync(CancellationToken ct) => known ??= (await docker.Client.System.GetSystemInfoAsync(ct)).DockerRootDir;
}
