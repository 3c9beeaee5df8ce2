using System.CommandLine;
using Federation.Cli.Output;
using Federation.V1;

namespace Federation.Cli.Commands;

public static class WorkloadsCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var command = new Command("workloads", "list the workloads of the cluster");
        command.SetAction(async (result, ct) =>
        {
            using var connection = global.Connect(result);
            var response = await connection.Client.ListWorkloadsAsync(new ListWorkloadsRequest(), deadline: CoordinatorConnection.Deadline(), cancellationToken: ct);
            if (global.Json(result))
            {
                await console.Out.WriteLineAsync(Json.Format(response));
                return ExitCodes.Ok;
            }
            // HOME: the cluster whose coordinator holds the stable address (where the workload was deployed).
            // CONDITION: what the coordinator noticed about the runtime outside a migration (it stopped; recreated).
            await Table.WriteAsync(console.Out, ["WORKLOAD", "ROLE", "IMAGE", "ADDRESS", "HOME", "MIGRATION", "CONDITION"],
                response.Workloads.Select(w => new[]
                {
                    $"{w.Ref.Namespace}/{w.Ref.Name}", w.Role.ToString().ToLowerInvariant(), w.Image,
                    w.StableAddress is { Length: > 0 } a ? a : string.Join(",", w.AppEndpoints.Values), w.HomeCluster, w.LockedBy, w.Condition,
                }));
            return ExitCodes.Ok;
        });
        return command;
    }
}
