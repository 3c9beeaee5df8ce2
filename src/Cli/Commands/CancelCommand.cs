using System.CommandLine;
using Federation.Cli.Output;
using Federation.Common;
using Federation.V1;

namespace Federation.Cli.Commands;

public static class CancelCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var id = new Argument<string>("id") { Description = "migration id" };
        var command = new Command("cancel", "roll a migration back if it has not committed yet") { id };
        command.SetAction(async (result, ct) =>
        {
            using var connection = global.Connect(result);
            var m = await connection.Client.CancelMigrationAsync(new CancelMigrationRequest { MigrationId = result.GetValue(id) },
                deadline: CoordinatorConnection.Deadline(), cancellationToken: ct);
            await console.Out.WriteLineAsync(global.Json(result) ? Json.Format(m) : $"migration {Names.Printable(m.Id)}: cancel requested; it rolls back at its next step");
            return ExitCodes.Ok;
        });
        return command;
    }
}
