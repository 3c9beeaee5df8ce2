using System.CommandLine;
using Federation.Cli.Output;
using Federation.Common;
using Federation.V1;

namespace Federation.Cli.Commands;

/// <summary>`fedctl delete NS/NAME`: removes a workload of the cluster with its runtime and its stable address; prints "workload NS/NAME deleted", as kubectl delete does.</summary>
public static class DeleteCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var workload = WorkloadArgument.Create();
        var delete = new Command("delete", "remove a workload of the cluster: its runtime and its stable address (refused while it is migrating)") { workload };
        delete.SetAction(async (result, ct) =>
        {
            var reference = WorkloadArgument.Parse(result.GetValue(workload));
            using var connection = global.Connect(result);
            var deleted = await connection.Client.DeleteWorkloadAsync(new DeleteWorkloadRequest { Workload = reference },
                deadline: CoordinatorConnection.Deadline(60), cancellationToken: ct);
            await console.Out.WriteLineAsync(global.Json(result) ? Json.Format(deleted)
                : Names.Printable($"workload {deleted.Workload.Namespace}/{deleted.Workload.Name} deleted"));
            return ExitCodes.Ok;
        });
        return delete;
    }
}
