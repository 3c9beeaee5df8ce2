namespace Federation.Coordinator.Options;

/// <summary>The coordinator of one cluster: who it is, where it listens, its peers, its adapter and journal.</summary>
public sealed class CoordinatorOptions
{
    public const string Section = "Coordinator";

    /// <summary>This cluster's name (a DNS label); peers and fedctl know it by this name.</summary>
    public string Cluster { get; set; } = "";

    /// <summary>Loopback only, unless mutual TLS is on (<see cref="Tls"/> with a client CA).</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>0: any free port (tests).</summary>
    public int ListenPort { get; set; } = 7400;

    /// <summary>Peer cluster name -> coordinator address ("http://127.0.0.1:7401").</summary>
    public Dictionary<string, string> Peers { get; set; } = [];

    /// <summary>
    /// Peer cluster name -> file holding the secret this cluster and that peer share (--peer-secret b=FILE). Every configured
    /// peer needs one unless <see cref="Insecure"/>: calls to the peer carry it, and the peer's calls here must.
    /// </summary>
    public Dictionary<string, string> PeerSecrets { get; set; } = [];

    /// <summary>
    /// File holding the token operators (fedctl) present; empty: <c>operator-token-{cluster}</c> beside the journal, made at the
    /// first start (owner-only). A given file must exist and hold a token.
    /// </summary>
    public string OperatorTokenFile { get; set; } = "";

    /// <summary>Serve both APIs without authentication (--insecure): anyone who reaches the port may operate the cluster and act as any peer.</summary>
    public bool Insecure { get; set; }

    /// <summary>SQLite file of the migration journal.</summary>
    public string JournalPath { get; set; } = "";

    /// <summary>This coordinator's server certificate and, for mutual TLS, the CA of its clients.</summary>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>Trust and client certificate for https:// peers.</summary>
    public PeerTlsOptions PeerTls { get; set; } = new();

    public AdapterOptions Adapter { get; set; } = new();

    public MigrationDefaults Migration { get; set; } = new();

    public MembershipOptions Membership { get; set; } = new();

    public PolicyOptions Policy { get; set; } = new();

    /// <summary>Port of the plain-HTTP listener that serves only <c>/metrics</c> (Prometheus), on the listen address's loopback; null: not served (--metrics-port; 0: any free port).</summary>
    public int? MetricsPort { get; set; }
}
