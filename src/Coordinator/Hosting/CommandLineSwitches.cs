using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Hosting;

/// <summary>Short command-line switches for the coordinator's own settings; adapters bring theirs; any other setting is --Coordinator:Section:Key=value.</summary>
public static class CommandLineSwitches
{
    public static readonly IReadOnlyDictionary<string, string> Map = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["--cluster"] = "Coordinator:Cluster",
        ["--port"] = "Coordinator:ListenPort",
        ["--journal"] = "Coordinator:JournalPath",
        ["--adapter"] = "Coordinator:Adapter:Kind",
        ["--tls-cert"] = "Coordinator:Tls:Certificate",
        ["--tls-key"] = "Coordinator:Tls:Key",
        ["--client-ca"] = "Coordinator:Tls:ClientCertificateAuthority",
        ["--peer-ca"] = "Coordinator:PeerTls:CertificateAuthority",
        ["--peer-cert"] = "Coordinator:PeerTls:ClientCertificate",
        ["--peer-key"] = "Coordinator:PeerTls:ClientKey",
        ["--operator-token-file"] = "Coordinator:OperatorTokenFile",
        ["--policy"] = "Coordinator:Policy:Path",
        ["--metrics-port"] = "Coordinator:MetricsPort",
        ["--heartbeat-interval"] = "Coordinator:Membership:HeartbeatInterval",
        ["--unreachable-after"] = "Coordinator:Membership:UnreachableAfter",
    };

    /// <summary>
    /// The command line with the switches configuration's own parser cannot read written out as settings: the flag
    /// <c>--insecure</c> (a switch without a value would swallow the next argument) and <c>--peer-secret NAME=FILE</c>
    /// (one setting per peer, Coordinator:PeerSecrets:NAME).
    /// </summary>
    public static string[] Expand(IReadOnlyList<string> args)
    {
        var expanded = new List<string>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--insecure") expanded.Add("--Coordinator:Insecure=true");
            else if (arg == "--peer-secret" && i + 1 < args.Count) expanded.Add(PeerSecret(args[++i]));
            else if (arg.StartsWith("--peer-secret=", StringComparison.Ordinal)) expanded.Add(PeerSecret(arg["--peer-secret=".Length..]));
            else expanded.Add(arg);
        }
        return [.. expanded];
    }

    /// <exception cref="OptionsValidationException">The value is not NAME=FILE (one line, as every configuration error).</exception>
    private static string PeerSecret(string value)
    {
        var equals = value.IndexOf('=');
        if (equals <= 0 || equals == value.Length - 1)
            throw new OptionsValidationException(Options.CoordinatorOptions.Section, typeof(Options.CoordinatorOptions),
                [$"--peer-secret '{Common.Names.Escape(value, 200)}' is not PEER=FILE"]);
        return $"--Coordinator:PeerSecrets:{value[..equals]}={value[(equals + 1)..]}";
    }

    /// <summary>The coordinator's switches and those of every adapter the host offers.</summary>
    public static IDictionary<string, string> With(IEnumerable<Adapters.AdapterModule> adapters)
    {
        var all = new Dictionary<string, string>(Map, StringComparer.Ordinal);
        foreach (var module in adapters)
        {
            foreach (var (name, key) in module.Switches) all.TryAdd(name, key);
        }
        return all;
    }
}
