using System.CommandLine;
using Federation.Cli.Config;
using Federation.Cli.Output;
using Federation.Common;
using Federation.V1;

namespace Federation.Cli.Commands;

/// <summary>
/// `fedctl clusters` asks the current cluster's coordinator for its peers: each one's membership state, last heartbeat and
/// free capacity, beside this cluster's own (* marks it). `--local` (no coordinator asked) lists the config's clusters;
/// `fedctl clusters use NAME` makes one current.
/// </summary>
public static class ClustersCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var configOnly = new Option<bool>("--local") { Description = "list the clusters of the config only, without asking a coordinator" };
        var command = new Command("clusters", "the current cluster and its peers: state, last heartbeat, free capacity (* marks the current one)") { configOnly };
        command.SetAction(async (result, ct) =>
        {
            if (result.GetValue(configOnly)) return await ListConfigAsync(global, console, result);
            using var connection = global.Connect(result);
            var response = await connection.Client.ListPeersAsync(new ListPeersRequest(), deadline: CoordinatorConnection.Deadline(), cancellationToken: ct);
            if (global.Json(result))
            {
                await console.Out.WriteLineAsync(Json.Format(response));
                return ExitCodes.Ok;
            }
            var rows = new List<string[]>
            {
                new[] { "*", response.Cluster, connection.Cluster.Address, "(this cluster)", "-",
                    CapacityText.FreeMemory(response.Capacity), CapacityText.FreeSlots(response.Capacity), CapacityText.CpuUsed(response.Capacity), "" },
            };
            rows.AddRange(response.Peers.Select(p => new[]
            {
                "", p.Name, p.Address, State(p.State), p.LastHeartbeat is { } at ? $"{at.ToDateTime():yyyy-MM-dd HH:mm:ss}Z" : "never",
                CapacityText.FreeMemory(p.Capacity), CapacityText.FreeSlots(p.Capacity), CapacityText.CpuUsed(p.Capacity), p.Reachable ? "" : p.Detail,
            }));
            await Table.WriteAsync(console.Out, ["CURRENT", "CLUSTER", "ADDRESS", "STATE", "LAST HEARTBEAT", "FREE MEMORY", "FREE SLOTS", "CPU USED", "DETAIL"], rows);
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

    private static string State(PeerState state) => state switch
    {
        PeerState.Reachable => "reachable",
        PeerState.Unreachable => "unreachable",
        PeerState.Pending => "pending",
        _ => "unknown",
    };

    private static async Task<int> ListConfigAsync(GlobalOptions global, CliConsole console, ParseResult result)
    {
        var config = ConfigStore.Load(global.ConfigPath(result));
        if (global.Json(result))
        {
            await console.Out.WriteLineAsync(Json.Serialize(config.Clusters.Select(c => new { c.Name, c.Address, Current = c.Name == config.CurrentCluster })));
            return ExitCodes.Ok;
        }
        var rows = config.Clusters.Select(c => new[] { c.Name == config.CurrentCluster ? "*" : "", c.Name, c.Address });
        await Table.WriteAsync(console.Out, ["CURRENT", "NAME", "ADDRESS"], rows);
        return ExitCodes.Ok;
    }
}
