using Federation.Coordinator.Options;
using Federation.V1;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Membership;

/// <summary>
/// Sends every configured peer a heartbeat each <see cref="MembershipOptions.HeartbeatInterval"/> (all peers at once, each
/// bounded by the call timeout) and logs each peer that changes state. Tests call <see cref="BeatOnceAsync"/> themselves.
/// </summary>
public sealed partial class MembershipHeartbeats(
    HeartbeatExchange exchange,
    PeerMembership membership,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<MembershipHeartbeats> logger) : BackgroundService
{
    private readonly Dictionary<string, PeerState> reported = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim round = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Membership.HeartbeatInterval, clock);
        try
        {
            do
            {
                await BeatOnceAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
    }

    /// <summary>One heartbeat to every peer, then the state changes logged.</summary>
    public async Task BeatOnceAsync(CancellationToken ct)
    {
        await round.WaitAsync(ct);
        try
        {
            await Task.WhenAll(options.Value.Peers.Keys.Select(peer => exchange.SendAsync(peer, ct)));
            foreach (var view in membership.All())
            {
                if (reported.TryGetValue(view.Name, out var before) && before == view.State) continue;
                reported[view.Name] = view.State;
                if (view.State == PeerState.Unreachable)
                    LogUnreachable(logger, view.Name, view.LastSeen?.ToString("u") ?? "never", view.LastError);
                else if (view.State == PeerState.Reachable)
                    LogReachable(logger, view.Name);
            }
        }
        finally
        {
            round.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "peer {Peer} is unreachable (last heartbeat: {LastSeen}; {Error}): it gets no new migration")]
    private static partial void LogUnreachable(ILogger logger, string peer, string lastSeen, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "peer {Peer} is reachable")]
    private static partial void LogReachable(ILogger logger, string peer);
}
