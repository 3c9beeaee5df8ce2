using System.CommandLine;
using Federation.Cli.Output;
using Federation.Common;
using Federation.V1;
using Grpc.Core;

namespace Federation.Cli.Commands;

/// <summary>`fedctl migrate NS/NAME --to CLUSTER [--precopy-rounds N] [--post-copy | --post-copy-if-needed] [--detach]`.</summary>
public static class MigrateCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var workload = WorkloadArgument.Create();
        var to = new Option<string>("--to") { Description = "destination cluster (a peer of the source coordinator)", Required = true };
        var rounds = NumberOptions.Optional("--precopy-rounds", "pre-copy rounds before the final stop; 0 = stop-and-copy (default: the coordinator's)");
        var postCopy = new Option<bool>("--post-copy")
        {
            Description = "move the memory after the app resumes at the destination (lazy pages); pre-copies instead where a runtime cannot, saying why",
        };
        var postCopyIfNeeded = new Option<bool>("--post-copy-if-needed")
        {
            Description = "post-copy only the final round, and only when pre-copy does not converge (or has no round); the events say which ran and why",
        };
        var detach = new Option<bool>("--detach", "-d") { Description = "print the migration id and return at once" };
        var command = new Command("migrate", "live-migrate a workload of the cluster to another cluster") { workload, to, rounds, postCopy, postCopyIfNeeded, detach };
        command.SetAction(async (result, ct) =>
        {
            using var connection = global.Connect(result);
            var options = new MigrationOptions();
            if (result.GetValue(rounds) is { } n) options.PrecopyRounds = n;
            if (result.GetValue(postCopy) && result.GetValue(postCopyIfNeeded))
                throw new CliException(ExitCodes.Usage, "--post-copy and --post-copy-if-needed exclude each other");
            options.PostCopy = result.GetValue(postCopy) ? PostCopyMode.On : result.GetValue(postCopyIfNeeded) ? PostCopyMode.Auto : PostCopyMode.Off;
            var started = await connection.Client.MigrateAsync(new MigrateRequest
            {
                Workload = result.GetValue(workload),
                Destination = result.GetValue(to),
                Options = options,
            }, deadline: CoordinatorConnection.Deadline(60), cancellationToken: ct);

            if (result.GetValue(detach))
            {
                await console.Out.WriteLineAsync(global.Json(result) ? Json.Format(started) : Names.Printable(started.MigrationId));
                return ExitCodes.Ok;
            }
            if (!global.Json(result))
                await console.Out.WriteLineAsync(Names.Printable($"migration {started.MigrationId}: {result.GetValue(workload)} {connection.Cluster.Name} -> {result.GetValue(to)}"));
            using var call = connection.Client.Watch(new WatchRequest { MigrationId = started.MigrationId }, cancellationToken: ct);
            var last = global.Json(result)
                ? await DrainAsync(call.ResponseStream.ReadAllAsync(ct))
                : await ProgressView.FollowAsync(call.ResponseStream.ReadAllAsync(ct), console, ct);
            var final = await connection.Client.GetMigrationAsync(new GetMigrationRequest { MigrationId = started.MigrationId },
                deadline: CoordinatorConnection.Deadline(), cancellationToken: ct);
            await console.Out.WriteLineAsync(global.Json(result) ? Json.Format(final) : MigrationText.Describe(final));
            if (final.Phase == MigrationPhase.Completed) return ExitCodes.Ok;
            await FedctlApp.WriteErrorAsync(console, $"migration {final.Id} {MigrationText.Phase(final.Phase)}: {final.Error}");
            return ExitCodes.MigrationFailed;
        });
        return command;
    }

    private static async Task<Migration> DrainAsync(IAsyncEnumerable<MigrationEvent> events)
    {
        Migration last = new();
        await foreach (var e in events)
        {
            last = e.Migration ?? last;
            if (e.Terminal) break;
        }
        return last;
    }
}
