namespace Federation.MigrationBench;

/// <summary>Everything this benchmark creates in Docker is named <c>fedbench-…</c>; this removes it (at the start: a killed run's leftovers; at the end).</summary>
public static class Leftovers
{
    /// <summary><c>fedbench</c>, or FEDBENCH_PREFIX (runs side by side on one machine must not remove each other's containers).</summary>
    public static readonly string Prefix = Environment.GetEnvironmentVariable("FEDBENCH_PREFIX") is { Length: > 0 } prefix ? prefix : "fedbench";

    public static async Task RemoveAsync(CancellationToken ct)
    {
        var containers = await Shell.DockerAsync(ct, "ps", "-aq", "--filter", $"name=^{Prefix}-");
        var ids = Lines(containers);
        if (ids.Count > 0) await Shell.DockerAsync(ct, ["rm", "-f", .. ids]);
        var volumes = Lines(await Shell.DockerAsync(ct, "volume", "ls", "-q", "--filter", $"name=^{Prefix}-")).Where(v => v.StartsWith(Prefix + "-", StringComparison.Ordinal)).ToList();
        if (volumes.Count > 0) await Shell.DockerAsync(ct, ["volume", "rm", "-f", .. volumes]);
        var networks = Lines(await Shell.DockerAsync(ct, "network", "ls", "--format", "{{.Name}}")).Where(n => n.StartsWith(Prefix + "-", StringComparison.Ordinal)).ToList();
        foreach (var network in networks)
        {
            var result = await Shell.RunAsync("docker", ["network", "rm", network], TimeSpan.FromSeconds(60), ct);
            if (result.ExitCode != 0) Console.Error.WriteLine($"migration bench: could not remove network {network}: {result.OneLineError}");
        }
    }

    private static List<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
}
