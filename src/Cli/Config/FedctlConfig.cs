namespace Federation.Cli.Config;

/// <summary>The clusters fedctl knows and the current one, like a kubeconfig.</summary>
public sealed class FedctlConfig
{
    public string? CurrentCluster { get; set; }
    public List<ClusterEntry> Clusters { get; set; } = [];
}
