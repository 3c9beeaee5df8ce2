namespace Federation.MigrationBench;

/// <summary>What the results were measured on: cores, CPU, kernel, CRIU and Docker versions (outer engine, runtime image's inner one).</summary>
public sealed record MachineInfo(int Cores, string Cpu, string Kernel, string Criu, string OuterDocker, string InnerDocker)
{
    public static async Task<MachineInfo> CollectAsync(string runtimeImage, CancellationToken ct)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var kernel = (await File.ReadAllTextAsync("/proc/sys/kernel/osrelease", ct)).Trim();
        var criu = await FirstLineAsync(["run", "--rm", "--entrypoint", "criu", runtimeImage, "--version"], ct);
        var inner = await FirstLineAsync(["run", "--rm", "--entrypoint", "dockerd", runtimeImage, "--version"], ct);
        var outer = await FirstLineAsync(["version", "-f", "{{.Server.Version}}"], ct);
        return new MachineInfo(Environment.ProcessorCount, cpu, kernel, criu.Replace("Version: ", "", StringComparison.Ordinal), outer, inner);
    }

    private static async Task<string> FirstLineAsync(string[] arguments, CancellationToken ct)
    {
        var result = await Shell.RunAsync("docker", arguments, TimeSpan.FromMinutes(1), ct);
        return result.ExitCode == 0 ? result.Stdout.Trim().Split('\n')[0].Trim() : $"unknown ({result.OneLineError})";
    }
}
