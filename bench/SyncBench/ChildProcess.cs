using System.Diagnostics;

namespace Federation.SyncBench;

/// <summary>Runs a program to its end and returns its output and wall time.</summary>
internal static class ChildProcess
{
    public static (string Output, TimeSpan Elapsed) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill();
            throw new TimeoutException($"{file} did not finish in 5 minutes");
        }
        watch.Stop();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {error.Result}");
        return (output.Result, watch.Elapsed);
    }

    /// <summary>This benchmark's own executable, to start it again in another mode.</summary>
    public static (string File, string[] Prefix) Self()
    {
        var path = Environment.ProcessPath!;
        return Path.GetFileNameWithoutExtension(path) == "dotnet"
            ? (path, [typeof(ChildProcess).Assembly.Location])
            : (path, []);
    }
}
