using System.CommandLine;
using Federation.Cli.Config;

namespace Federation.Cli;

/// <summary>Options every command takes: --config, --cluster, -o, --token-file.</summary>
public sealed class GlobalOptions
{
    public Option<string?> Config { get; } = new("--config") { Description = "config file (default: $FEDCTL_CONFIG, else ~/.fedctl/config)", Recursive = true };
    public Option<string?> Cluster { get; } = new("--cluster", "-c") { Description = "cluster to talk to (default: the config's current cluster)", Recursive = true };
    public Option<string> Output { get; } = new("--output", "-o") { Description = "table or json", DefaultValueFactory = _ => "table", Recursive = true };
    public Option<string?> TokenFile { get; } = new("--token-file")
    {
        Description = $"file with the coordinator's operator token (default: ${Auth.OperatorToken.EnvironmentVariable}, else the cluster's token-file in the config)",
        Recursive = true,
    };

    public GlobalOptions() => Output.AcceptOnlyFromAmong("table", "json");

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Config);
        root.Options.Add(Cluster);
        root.Options.Add(Output);
        root.Options.Add(TokenFile);
    }

    public bool Json(ParseResult result) => result.GetValue(Output) == "json";

    public string ConfigPath(ParseResult result) => ConfigStore.ResolvePath(result.GetValue(Config));

    /// <summary>The cluster the last connection went to, for error messages.</summary>
    public ClusterEntry? LastCluster { get; private set; }

    /// <summary>The last connection (possibly disposed), for what its TLS check refused.</summary>
    public CoordinatorConnection? LastConnection { get; private set; }

    public CoordinatorConnection Connect(ParseResult result)
    {
        var path = ConfigPath(result);
        LastCluster = ConfigStore.Select(ConfigStore.Load(path), result.GetValue(Cluster), path);
        LastConnection = new CoordinatorConnection(LastCluster, result.GetValue(TokenFile));
        return LastConnection;
    }
}
