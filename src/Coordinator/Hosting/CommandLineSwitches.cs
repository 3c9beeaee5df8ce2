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
    };

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
