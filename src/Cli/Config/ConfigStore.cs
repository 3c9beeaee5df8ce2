using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Federation.Cli.Config;

/// <summary>Reads and writes the YAML config: --config, else $FEDCTL_CONFIG, else ~/.fedctl/config.</summary>
public static class ConfigStore
{
    public static string ResolvePath(string? option)
    {
        if (!string.IsNullOrEmpty(option)) return option;
        var env = Environment.GetEnvironmentVariable("FEDCTL_CONFIG");
        if (!string.IsNullOrEmpty(env)) return env;
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".fedctl", "config");
    }

    public static FedctlConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new CliException(ExitCodes.Config, $"no config at {path} (set --config or FEDCTL_CONFIG, or create it with clusters and current-cluster)");
        try
        {
            var config = new DeserializerBuilder().WithNamingConvention(HyphenatedNamingConvention.Instance).Build()
                .Deserialize<FedctlConfig>(File.ReadAllText(path)) ?? new FedctlConfig();
            foreach (var cluster in config.Clusters)
            {
                if (string.IsNullOrWhiteSpace(cluster.Name) || !Uri.TryCreate(cluster.Address, UriKind.Absolute, out _))
                    throw new CliException(ExitCodes.Config, $"{path}: every cluster needs a name and an absolute address ('{cluster.Name}': '{cluster.Address}')");
            }
            return config;
        }
        catch (YamlException e)
        {
            throw new CliException(ExitCodes.Config, $"{path}: not a fedctl config: {e.Message.ReplaceLineEndings(" ")}");
        }
    }

    public static void Save(string path, FedctlConfig config)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, new SerializerBuilder().WithNamingConvention(HyphenatedNamingConvention.Instance)
            .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull).Build().Serialize(config));
    }

    /// <summary>The named cluster, or the current one.</summary>
    public static ClusterEntry Select(FedctlConfig config, string? name, string path)
    {
        name ??= config.CurrentCluster;
        if (string.IsNullOrEmpty(name)) throw new CliException(ExitCodes.Config, $"no cluster chosen: pass --cluster or set current-cluster in {path}");
        return config.Clusters.FirstOrDefault(c => c.Name == name)
            ?? throw new CliException(ExitCodes.Config, $"unknown cluster '{name}' (known in {path}: {string.Join(", ", config.Clusters.Select(c => c.Name)).DefaultIfEmptyText()})");
    }

    private static string DefaultIfEmptyText(this string s) => s.Length == 0 ? "none" : s;
}
