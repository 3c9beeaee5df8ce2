using System.CommandLine;
using Federation.Cli.Output;
using Federation.Common;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;

namespace Federation.Cli.Commands;

/// <summary>
/// `fedctl events [--limit N] [--watch]`: the cluster's policy decisions and migration events, oldest first (time, kind,
/// workload, source -> destination, whether only logged, reason), then the pins in force; `-o json` prints the answer as is.
/// `--watch` keeps printing new events (asking every 2 s) until interrupted.
/// </summary>
public static class EventsCommand
{
    private static readonly string[] Headers = ["TIME", "KIND", "WORKLOAD", "MOVE", "LOGGED ONLY", "REASON"];
    private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(2);

    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var limit = NumberOptions.Optional("--limit", "at most this many events, the latest (default: all the coordinator keeps)", 1, 100_000);
        var watch = new Option<bool>("--watch", "-w") { Description = "keep printing new events until interrupted" };
        var command = new Command("events", "the policy's decisions and the migrations of the cluster, with their reasons") { limit, watch };
        command.SetAction(async (result, ct) =>
        {
            using var connection = global.Connect(result);
            var response = await connection.Client.ListEventsAsync(new ListEventsRequest { Limit = result.GetValue(limit) ?? 0 },
                deadline: CoordinatorConnection.Deadline(), cancellationToken: ct);
            var json = global.Json(result);
            if (json) await console.Out.WriteLineAsync(Json.Format(response));
            else
            {
                await Table.WriteAsync(console.Out, Headers, response.Events.Select(Row));
                if (!result.GetValue(watch) && response.Pins.Count > 0)
                {
                    await console.Out.WriteLineAsync();
                    foreach (var pin in response.Pins)
                        await console.Out.WriteLineAsync(Names.Printable(
                            $"pinned: {pin.Workload.Namespace}/{pin.Workload.Name} since {pin.PinnedAt.ToDateTime():yyyy-MM-dd HH:mm:ss}Z{(pin.Note.Length > 0 ? $" ({pin.Note})" : "")}"));
                }
            }
            if (!result.GetValue(watch)) return ExitCodes.Ok;

            var seen = response.Events.Select(Key).ToHashSet(StringComparer.Ordinal);
            var last = response.Events.Count > 0 ? response.Events[^1].At.ToDateTimeOffset() : DateTimeOffset.MinValue;
            while (!ct.IsCancellationRequested)
            {
                try { await Task.Delay(WatchInterval, ct); }
                catch (OperationCanceledException) { break; }
                // Events of the same instant as the last one seen may still arrive: ask from a second before, print only new ones.
                var request = new ListEventsRequest();
                if (last > DateTimeOffset.MinValue) request.Since = Timestamp.FromDateTimeOffset(last.AddSeconds(-1));
                var next = await connection.Client.ListEventsAsync(request, deadline: CoordinatorConnection.Deadline(), cancellationToken: ct);
                var fresh = next.Events.Where(e => seen.Add(Key(e))).ToList();
                if (fresh.Count == 0) continue;
                last = fresh.Max(e => e.At.ToDateTimeOffset());
                foreach (var e in fresh)
                {
                    if (json) await console.Out.WriteLineAsync(Json.Format(e));
                    else await console.Out.WriteLineAsync(Names.Printable(string.Join("   ", Row(e)).TrimEnd()));
                }
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static string[] Row(ClusterEvent e) =>
    [
        $"{e.At.ToDateTime():yyyy-MM-dd HH:mm:ss}Z", e.Kind, e.Workload,
        e.SourceCluster.Length == 0 && e.DestinationCluster.Length == 0 ? "" : $"{e.SourceCluster} -> {e.DestinationCluster}",
        e.OnlyLogged ? "yes" : "", e.Reason,
    ];

    private static string Key(ClusterEvent e) => $"{e.At}|{e.Kind}|{e.Workload}|{e.MigrationId}|{e.Reason}";
}
