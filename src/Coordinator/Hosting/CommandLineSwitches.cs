namespace Federation.Coordinator.Hosting;

/// <summary>Short command-line switches for the usual settings; any other setting is --Coordinator:Section:Key=value.</summary>
public static class CommandLineSwitches
{
    public static readonly Dictionary<string, string> Map = new(StringComparer.Ordinal)
    {
        ["--cluster"] = "Coordinator:Cluster",
        ["--port"] = "Coordinator:ListenPort",
        ["--journal"] = "Coordinator:JournalPath",
        ["--runtime-image"] = "Coordinator:Adapter:RuntimeImage",
        ["--name-prefix"] = "Coordinator:Adapter:NamePrefix",
        ["--state-dir"] = "Coordinator:Adapter:StateDirectory",
        ["--max-workloads"] = "Coordinator:Adapter:MaxWorkloads",
        ["--tls-cert"] = "Coordinator:Tls:Certificate",
        ["--tls-key"] = "Coordinator:Tls:Key",
        ["--client-ca"] = "Coordinator:Tls:ClientCertificateAuthority",
        ["--peer-ca"] = "Coordinator:PeerTls:CertificateAuthority",
        ["--peer-cert"] = "Coordinator:PeerTls:ClientCertificate",
        ["--peer-key"] = "Coordinator:PeerTls:ClientKey",
    };
}
