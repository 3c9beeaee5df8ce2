using Federation.Common;
using Federation.V1;
using Spectre.Console;

namespace Federation.Cli.Output;

/// <summary>
/// Follows a migration's events: a live Spectre progress display on a terminal; otherwise one line per phase
/// and one per event that says something new within a phase (a pre-copy stop, the restore's steps), never
/// one per byte-progress tick.
/// </summary>
public static class ProgressView
{
    public static async Task<Migration> FollowAsync(IAsyncEnumerable<MigrationEvent> events, CliConsole console, CancellationToken ct)
    {
        if (!console.IsTerminal) return await FollowPlainAsync(events, console, ct);
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Out), Interactive = InteractionSupport.Yes });
        Migration last = new();
        await ansi.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask? current = null;
                var phase = MigrationPhase.Unspecified;
                var round = 0u;
                await foreach (var e in events.WithCancellation(ct))
                {
                    last = e.Migration ?? last;
                    if (e.Phase != phase || e.Round != round)
                    {
                        current?.StopTask();
                        if (current is not null && !current.IsFinished) current.Value = current.MaxValue;
                        phase = e.Phase;
                        round = e.Round;
                        var label = e.Round > 0 && e.Phase is MigrationPhase.Precopy or MigrationPhase.FinalTransfer or MigrationPhase.FinalCheckpoint
                            ? $"{MigrationText.Phase(e.Phase)} round {e.Round}" : MigrationText.Phase(e.Phase);
                        current = context.AddTask(Markup.Escape(label), maxValue: 1);
                    }
                    if (current is not null && e.BytesTotal > 0)
                    {
                        current.MaxValue = e.BytesTotal;
                        current.Value = e.BytesDone;
                    }
                    if (e.Terminal)
                    {
                        if (current is not null) current.Value = current.MaxValue;
                        break;
                    }
                }
            });
        return last;
    }

    private static async Task<Migration> FollowPlainAsync(IAsyncEnumerable<MigrationEvent> events, CliConsole console, CancellationToken ct)
    {
        Migration last = new();
        var phase = MigrationPhase.Unspecified;
        var message = "";
        await foreach (var e in events.WithCancellation(ct))
        {
            last = e.Migration ?? last;
            if (e.Phase != phase || (e.BytesTotal == 0 && e.Message != message && !e.Terminal))
            {
                phase = e.Phase;
                message = e.Message;
                await console.Out.WriteLineAsync($"{e.At?.ToDateTime():HH:mm:ss.fff} {MigrationText.Phase(e.Phase),-16} {Names.Printable(e.Message)}");
            }
            if (e.Terminal) break;
        }
        return last;
    }
}
