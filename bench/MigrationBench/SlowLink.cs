using System.Globalization;
using System.Text.RegularExpressions;

namespace Federation.MigrationBench;

/// <summary>
/// The emulated edge-to-cloud link on the host-side veth of each runtime container this benchmark created (never on the
/// host's loopback as a whole): netem 10 ms delay + 100 Mbit/s, so everything into either runtime crosses it and two of them
/// see 20 ms RTT. A kernel built without sch_netem (this machine's: CONFIG_NET_SCH_NETEM is not set, and no sch_fq either)
/// gets tbf at 100 Mbit/s and no added delay; <see cref="Description"/> says which, and the report carries it.
/// A veth goes away with its container; <see cref="RemoveAllAsync"/> removes what is left.
/// </summary>
public sealed partial class SlowLink
{
    private readonly List<string> shaped = [];
    private bool? netem;

    /// <summary>What the link is made of, once something was shaped; empty before.</summary>
    public string Description => netem switch
    {
        true => "netem: 10 ms delay each way, 100 Mbit/s",
        false => "tbf: 100 Mbit/s only, no added delay (this kernel has no sch_netem)",
        null => "",
    };

    /// <summary>Shapes the host side of the container's eth0; returns the veth's name.</summary>
    public async Task<string> ApplyAsync(string container, CancellationToken ct)
    {
        var pid = await Shell.DockerAsync(ct, "inspect", "-f", "{{.State.Pid}}", container);
        if (pid is "" or "0") throw new BenchException($"container {container} is not running: no veth to shape");
        // Through netlink in the container's namespace ("eth0@if45"): the host's /sys shows the host's own interfaces.
        var link = await Shell.CheckedAsync("nsenter", [$"--net=/proc/{pid}/ns/net", "ip", "-o", "link", "show", "eth0"], TimeSpan.FromSeconds(20), ct);
        var peer = PeerIndex().Match(link) is { Success: true } m ? m.Groups[1].Value : throw new BenchException($"eth0 of {container} has no veth peer: {link}");
        var veth = HostInterfaceWithIndex(peer) ?? throw new BenchException($"no host interface has ifindex {peer} (the veth of {container})");
        if (!veth.StartsWith("veth", StringComparison.Ordinal)) throw new BenchException($"interface {veth} of {container} is not a veth: not shaping it");
        if (netem != false)
        {
            var result = await Shell.RunAsync("tc", ["qdisc", "replace", "dev", veth, "root", "netem", "delay", "10ms", "rate", "100mbit", "limit", "100000"], TimeSpan.FromSeconds(20), ct);
            if (result.ExitCode == 0) netem = true;
            else if (result.Stderr.Contains("qdisc kind is unknown", StringComparison.Ordinal)) netem = false;
            else throw new BenchException($"tc netem on {veth}: {result.OneLineError}");
        }
        if (netem == false)
            await Shell.CheckedAsync("tc", ["qdisc", "replace", "dev", veth, "root", "tbf", "rate", "100mbit", "burst", "64kb", "latency", "100ms"], TimeSpan.FromSeconds(20), ct);
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

    [GeneratedRegex(@"eth0@if(\d+)")]
    private static partial Regex PeerIndex();
}
