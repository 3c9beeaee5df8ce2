namespace Federation.RuntimeModule.Engine.Lazy;

/// <summary>
/// Makes the next restore of the runtime lazy: runc hands CRIU no lazy-pages option, but CRIU reads the runtime's
/// <c>/etc/criu/runc.conf</c> (the file runc names for a container without its own <c>org.criu.config</c>), and its
/// <c>lazy-pages</c> and <c>work-dir</c> there make the restore give the app's userfaultfd to the daemon waiting in that
/// work directory (the file's work directory overrides runc's). One lazy restore at a time per runtime. The file as it was
/// is kept beside it (<see cref="Pristine"/>) until it is put back, so an Engine that died in between leaves no lazy
/// configuration to a later restore: every restore first puts a left-over one back (<see cref="EnsurePristineAsync"/>).
/// </summary>
public sealed class LazyRestoreConfig(RuntimeProcesses runtime)
{
    private const string RuncConfig = "/etc/criu/runc.conf";

    private readonly SemaphoreSlim one = new(1, 1);

    private static string Pristine(string path) => path + ".federation-pristine";

    public async Task<IAsyncDisposable> ApplyAsync(string workDirectory, CancellationToken ct)
    {
        var path = ConfigPath();
        await one.WaitAsync(ct);
        try
        {
            await PutBackAsync(path, ct);
            var original = File.Exists(path) ? await File.ReadAllTextAsync(path, ct) : "";
            await File.WriteAllTextAsync(Pristine(path), original, ct);
            var lazy = original.TrimEnd('\n') + $"\nlazy-pages\nwork-dir {workDirectory}\n";
            await File.WriteAllTextAsync(path, lazy.TrimStart('\n'), ct);
            return new Restorer(path, one);
        }
        catch
        {
            one.Release();
            throw;
        }
    }

    /// <summary>Puts back the file a lazy restore whose Engine died left changed; nothing to do otherwise (one file check).</summary>
    public async Task EnsurePristineAsync(CancellationToken ct)
    {
        var path = ConfigPath();
        if (!File.Exists(Pristine(path))) return;
        await one.WaitAsync(ct);
        try
        {
            await PutBackAsync(path, ct);
        }
        finally
        {
            one.Release();
        }
    }

    private string ConfigPath() =>
        runtime.InRuntime(RuncConfig) ?? throw new IOException("the runtime's processes are not visible: cannot reach its CRIU configuration");

    private static async Task PutBackAsync(string path, CancellationToken ct)
    {
        var pristine = Pristine(path);
        if (!File.Exists(pristine)) return;
        var text = await File.ReadAllTextAsync(pristine, ct);
        if (text.Length == 0) File.Delete(path);
        else await File.WriteAllTextAsync(path, text, ct);
        File.Delete(pristine);
    }

    private sealed class Restorer(string path, SemaphoreSlim one) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await PutBackAsync(path, CancellationToken.None);
            }
            finally
            {
                one.Release();
            }
        }
    }
}
