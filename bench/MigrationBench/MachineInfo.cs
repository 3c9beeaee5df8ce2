namespace Federation.MigrationBench;

/// <summary>What the results were measured on: cores, CPU, kernel, CRIU and Docker versions (outer engine, runtime image's inner one).</summary>
public sealed record MachineInfo(int Cores, string Cpu, string Kernel, string Criu, string OuterDocker, string InnerDocker)
{
    /// <summary>The 1-, 5- and 15-minute load averages now: the two cores are shared, and the figures grow with the load.</summary>
    public static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    public static async Task<MachineInfo> CollectAsync(string runtimeImage, CancellationToken ct)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var kernel = (await File.ReadAllTextAsync("/proc/sys/kernel/osrelease", ct)).Trim();
        var criu = await FirstLineAsync(["run", "--rm", "--entrypoint", "criu", runtimeImage, "--version"], ct);
        var inner = await FirstLineAsync(["run", "--rm", "--entrypoint", "dockerd", runtimeImage, "--version"], ct);
        var outer = await FirstLineAsync(["version", "-f", "{{.Server.Version}}"], ct);
        return new MachineInfo(Environment.ProcessorCount, cpu, kernel, criu.Replace("Version: ", "", StringComparison.Ordinal), outer,
            inner.Replace("Docker version ", "", StringComparison.Ordinal).Split(',')[0]);
    }

    private static async Task<string> FirstLineAsync(string[] arguments, CancellationToken ct)
    {
        var result = await Shell.RunAsync("docker", arguments, TimeSpan.FromMinutes(1), ct);
        return result.ExitCode == 0 ? result.Stdout.Trim().Split('\n')[0].Trim() : $"unknown ({result.OneLineError})";
    }
}
