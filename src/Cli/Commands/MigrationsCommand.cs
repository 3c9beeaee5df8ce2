using System.CommandLine;
using Federation.Cli.Output;
using Federation.V1;

namespace Federation.Cli.Commands;

public static class MigrationsCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var command = new Command("migrations", "list the migrations started from the cluster");
        command.SetAction(async (result, ct) =>
        {
            using var connection = global.Connect(result);
            var response = await connection.Client.ListMigrationsAsync(new ListMigrationsRequest(), deadline: CoordinatorConnection.Deadline(), cancellationToken: ct);
            if (global.Json(result))
            {
                await console.Out.WriteLineAsync(Json.Format(response));
                return ExitCodes.Ok;
            }
            await Table.WriteAsync(console.Out, ["ID", "WORKLOAD", "TO", "PHASE", "DOWNTIME", "ERROR"],
                response.Migrations.Select(m => new[]
                {
                    m.Id, $"{m.Workload.Namespace}/{m.Workload.Name}", m.DestinationCluster, MigrationText.Phase(m.Phase),
                    m.Downtime is null ? "" : MigrationText.Duration(m.Downtime.ToTimeSpan()), m.Error,
                }));
            return ExitCodes.Ok;
        });
        return command;
    }
}
