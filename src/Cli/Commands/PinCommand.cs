using System.CommandLine;
using Federation.Cli.Output;
using Federation.Common;
using Federation.V1;

namespace Federation.Cli.Commands;

/// <summary>
/// `fedctl pin NS/NAME [--note TEXT]` and `fedctl unpin NS/NAME`: a workload pinned in a cluster is never moved by that
/// cluster's policies, and that cluster refuses to send it home when its home's policy asks. Manual moves still work.
/// </summary>
public static class PinCommand
{
    public static Command CreatePin(GlobalOptions global, CliConsole console)
    {
        var workload = WorkloadArgument.Create();
        var note = new Option<string>("--note") { Description = "why it is pinned (kept with the pin)", DefaultValueFactory = _ => "" };
        var pin = new Command("pin", "keep a workload where it is: no policy of this cluster moves it (a manual migrate still does)") { workload, note };
        pin.SetAction(async (result, ct) =>
        {
            var reference = WorkloadArgument.Parse(result.GetValue(workload));
            using var connection = global.Connect(result);
            var pinned = await connection.Client.PinWorkloadAsync(new PinWorkloadRequest { Workload = reference, Note = result.GetValue(note) ?? "" },
                deadline: CoordinatorConnection.Deadline(), cancellationToken: ct);
            await console.Out.WriteLineAsync(global.Json(result) ? Json.Format(pinned)
                : Names.Printable($"workload {pinned.Workload.Namespace}/{pinned.Workload.Name} pinned: no policy moves it"));
            return ExitCodes.Ok;
        });
        return pin;
    }

    public static Command CreateUnpin(GlobalOptions global, CliConsole console)
    {
        var workload = WorkloadArgument.Create();
        var unpin = new Command("unpin", "let the policies move a pinned workload again") { workload };
        unpin.SetAction(async (result, ct) =>
        {
            var reference = WorkloadArgument.Parse(result.GetValue(workload));
            using var connection = global.Connect(result);
            var answer = await connection.Client.UnpinWorkloadAsync(new UnpinWorkloadRequest { Workload = reference },
                deadline: CoordinatorConnection.Deadline(), cancellationToken: ct);
            await console.Out.WriteLineAsync(global.Json(result) ? Json.Format(answer)
                : Names.Printable($"workload {reference.Namespace}/{reference.Name} {(answer.WasPinned ? "unpinned" : "was not pinned")}"));
            return ExitCodes.Ok;
        });
        return unpin;
    }
}
