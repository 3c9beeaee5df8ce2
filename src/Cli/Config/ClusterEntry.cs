namespace Federation.Cli.Config;

/// <summary>One cluster of the config: its name and its coordinator, with optional TLS material (PEM files) and the file of its operator token.</summary>
public sealed class ClusterEntry
{
    public string Name { get; set; } = "";
    public string Address { get; set; } = "";
    public string? CertificateAuthority { get; set; }
    public string? ClientCertificate { get; set; }
    public string? ClientKey { get; set; }

    /// <summary>File holding the coordinator's operator token (its operator-token-CLUSTER file, or a copy); see <see cref="Auth.OperatorToken"/>.</summary>
    public string? TokenFile { get; set; }
}
