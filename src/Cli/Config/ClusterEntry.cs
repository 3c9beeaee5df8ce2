namespace Federation.Cli.Config;

/// <summary>One cluster of the config: its name and its coordinator, with optional TLS material (PEM files).</summary>
public sealed class ClusterEntry
{
    public string Name { get; set; } = "";
    public string Address { get; set; } = "";
    public string? CertificateAuthority { get; set; }
    public string? ClientCertificate { get; set; }
    public string? ClientKey { get; set; }
}
