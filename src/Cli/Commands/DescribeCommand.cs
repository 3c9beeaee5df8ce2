using System.CommandLine;
using Federation.Cli.Output;
using Federation.V1;

namespace Federation.Cli.Commands;

/// <summary>`fedctl describe migration ID`: phases with timings, bytes per round, downtime.</summary>
public static class DescribeCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var id = new Argument<string>("id") { Description = "migration id" };
        var migration = new Command("migration", "phase timings, bytes per round, downtime") { id };
        migration.SetAction(async (result, ct) =>
        {
            using var connection = global.Connect(result);
            var m = await connection.Client.GetMigrationAsync(new GetMigrationRequest { MigrationId = result.GetValue(id) },
                deadline: CoordinatorConnection.Deadline(), cancellationToken: ct);
            await console.Out.WriteLineAsync(global.Json(result) ? Json.Format(m) : MigrationText.Describe(m));
            return ExitCodes.Ok;
        });
        var command = new Command("describe", "show one object in detail");
        command.Subcommands.Add(migration);
        return command;
    }
}
