using System.Globalization;

namespace Federation.MigrationBench;

/// <summary>
/// The emulated edge-to-cloud link: netem (10 ms delay, 100 Mbit/s) on the host-side veth of each runtime container this
/// benchmark created, so everything into either runtime crosses it (20 ms RTT between two of them). Never on the host's
/// loopback as a whole. A veth goes away with its container; <see cref="RemoveAllAsync"/> removes what is left.
/// </summary>
public sealed class SlowLink
{
    private readonly List<string> shaped = [];

    /// <summary>Shapes the host side of the container's eth0; returns the veth's name.</summary>
    public async Task<string> ApplyAsync(string container, CancellationToken ct)
    {
        var pid = await Shell.DockerAsync(ct, "inspect", "-f", "{{.State.Pid}}", container);
        if (pid is "" or "0") throw new BenchException($"container {container} is not running: no veth to shape");
        var iflink = await Shell.CheckedAsync("nsenter", [$"--net=/proc/{pid}/ns/net", "cat", "/sys/class/net/eth0/iflink"], TimeSpan.FromSeconds(20), ct);
        var veth = HostInterfaceWithIndex(iflink) ?? throw new BenchException($"no host interface has ifindex {iflink} (the veth of {container})");
        if (!veth.StartsWith("veth", StringComparison.Ordinal)) throw new BenchException($"interface {veth} of {container} is not a veth: not shaping it");
        await Shell.CheckedAsync("tc", ["qdisc", "replace", "dev", veth, "root", "netem", "delay", "10ms", "rate", "100mbit", "limit", "100000"], TimeSpan.FromSeconds(20), ct);
        lock (shaped) shaped.Add(veth);
        return veth;
    }

    public async Task RemoveAllAsync(CancellationToken ct)
    {
        List<string> veths;
        lock (shaped)
        {
            veths = shaped.ToList();
            shaped.Clear();
        }
        foreach (var veth in veths)
        {
            if (!Directory.Exists($"/sys/class/net/{veth}")) continue;
            await Shell.RunAsync("tc", ["qdisc", "del", "dev", veth, "root"], TimeSpan.FromSeconds(20), ct);
        }
    }

    private static string? HostInterfaceWithIndex(string index)
    {
        var wanted = int.Parse(index, CultureInfo.InvariantCulture);
        foreach (var directory in Directory.GetDirectories("/sys/class/net"))
        {
            var file = Path.Combine(directory, "ifindex");
            if (File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var n) && n == wanted)
                return Path.GetFileName(directory);
        }
        return null;
    }
}
