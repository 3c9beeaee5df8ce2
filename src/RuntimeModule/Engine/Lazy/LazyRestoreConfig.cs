namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>
/// Makes the next restore of the runtime lazy: runc hands CRIU no lazy-pages option, but CRIU reads the runtime's
/// <c>/etc/criu/runc.conf</c> (the file runc names for a container without its own <c>org.criu.config</c>), and its
/// <c>lazy-pages</c> and <c>work-dir</c> there make the restore give the app's userfaultfd to the daemon waiting in that
/// work directory (the file's work directory overrides runc's). The file is put back as it was when the handle is
/// disposed; one lazy restore at a time per runtime.
/// </summary>
public sealed class LazyRestoreConfig(RuntimeProcesses runtime)
{
    private const string RuncConfig = "/etc/criu/runc.conf";

    private readonly SemaphoreSlim one = new(1, 1);

    public async Task<IAsyncDisposable> ApplyAsync(string workDirectory, CancellationToken ct)
    {
        var path = runtime.InRuntime(RuncConfig) ?? throw new IOException("the runtime's processes are not visible: cannot reach its CRIU configuration");
        await one.WaitAsync(ct);
        try
        {
            var original = File.Exists(path) ? await File.ReadAllTextAsync(path, ct) : null;
            var lazy = (original ?? "").TrimEnd('\n') + $"\nlazy-pages\nwork-dir {workDirectory}\n";
            await File.WriteAllTextAsync(path, lazy.TrimStart('\n'), ct);
            return new Restorer(path, original, one);
        }
        catch
        {
            one.Release();
            throw;
        }
    }

    private sealed class Restorer(string path, string? original, SemaphoreSlim one) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                if (original is null) File.Delete(path);
                else await File.WriteAllTextAsync(path, original, CancellationToken.None);
            }
            finally
            {
                one.Release();
            }
        }
    }
}
