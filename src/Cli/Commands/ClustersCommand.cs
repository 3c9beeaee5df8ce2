using System.CommandLine;
using Federation.Cli.Config;
using Federation.Cli.Output;
using Federation.Common;

namespace Federation.Cli.Commands;

/// <summary>`fedctl clusters` lists the config's clusters; `fedctl clusters use NAME` makes one current.</summary>
public static class ClustersCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var command = new Command("clusters", "list the clusters of the config (* marks the current one)");
        command.SetAction(async (result, ct) =>
        {
            var path = global.ConfigPath(result);
            var config = ConfigStore.Load(path);
            if (global.Json(result))
            {
                await console.Out.WriteLineAsync(Json.Serialize(config.Clusters.Select(c => new { c.Name, c.Address, Current = c.Name == config.CurrentCluster })));
                return ExitCodes.Ok;
            }
            var rows = config.Clusters.Select(c => new[] { c.Name == config.CurrentCluster ? "*" : "", c.Name, c.Address });
            await Table.WriteAsync(console.Out, ["CURRENT", "NAME", "ADDRESS"], rows);
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("name") { Description = "cluster to make current" };
        var use = new Command("use", "make a cluster the current one") { name };
        use.SetAction(async (result, ct) =>
        {
            var path = global.ConfigPath(result);
            var config = ConfigStore.Load(path);
            var chosen = ConfigStore.Select(config, result.GetValue(name), path);
            config.CurrentCluster = chosen.Name;
            ConfigStore.Save(path, config);
            await console.Out.WriteLineAsync($"current cluster: {Names.Printable(chosen.Name)}");
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(use);
        return command;
    }
}
