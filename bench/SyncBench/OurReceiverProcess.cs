using System.Diagnostics;

namespace Federation.SyncBench;

/// <summary>A receiver in a child process of its own, driven over its stdin.</summary>
internal sealed class OurReceiverProcess : IDisposable
{
    private readonly Process process;

    public OurReceiverProcess(string root)
    {
        var (file, prefix) = ChildProcess.Self();
        var info = new ProcessStartInfo(file) { RedirectStandardInput = true, RedirectStandardOutput = true };
        foreach (var arg in prefix.Append("receiver").Append(root)) info.ArgumentList.Add(arg);
        process = Process.Start(info)!;
        Endpoint = Expect("ENDPOINT");
    }

    public string Endpoint { get; }

    public string IssueToken(string target)
    {
        process.StandardInput.WriteLine($"token {target}");
        return Expect("TOKEN");
    }

    public long PeakRssKiloBytes()
    {
        process.StandardInput.WriteLine("rss");
        return long.Parse(Expect("RSS"), System.Globalization.CultureInfo.InvariantCulture);
    }

    public long FileBackedKiloBytes()
    {
        process.StandardInput.WriteLine("rssfile");
        return long.Parse(Expect("RSSFILE"), System.Globalization.CultureInfo.InvariantCulture);
    }

    public string GcSummary()
    {
        process.StandardInput.WriteLine("gc");
        return Expect("GC");
    }

    private string Expect(string prefix)
    {
        for (var i = 0; i < 100; i++)
        {
            var line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("the receiver process ended");
            if (line.StartsWith(prefix + " ", StringComparison.Ordinal)) return line[(prefix.Length + 1)..];
        }
        throw new InvalidOperationException($"the receiver process never printed {prefix}");
    }

    public void Dispose()
    {
        try
        {
            process.StandardInput.WriteLine("quit");
            if (!process.WaitForExit(TimeSpan.FromSeconds(10))) process.Kill();
        }
        finally
        {
            process.Dispose();
        }
    }
}
