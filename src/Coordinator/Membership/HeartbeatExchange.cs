using Federation.Common;
using Federation.Coordinator.Auth;
using Federation.Coordinator.Options;
using Federation.Coordinator.Peers;
using Federation.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Membership;

/// <summary>
/// Both ends of a membership heartbeat: <see cref="SendAsync"/> tells one peer this cluster's capacity and records its answer;
/// <see cref="Answer"/> records a peer's heartbeat and answers with ours. Each side marks the other seen.
/// </summary>
public sealed partial class HeartbeatExchange(
    PeerClients peers,
    PeerMembership membership,
    LocalCapacity capacity,
    IOptions<CoordinatorOptions> options,
    TimeProvider clock,
    ILogger<HeartbeatExchange> logger)
{
    private CoordinatorOptions Options => options.Value;

    /// <summary>One heartbeat to <paramref name="peer"/>; true when it answered. Never throws for an unreachable peer.</summary>
    public async Task<bool> SendAsync(string peer, CancellationToken ct)
    {
        try
        {
            // Waits for the channel to connect (within the call timeout) rather than failing fast while it backs off after a failure:
            // a peer that is back is seen by this heartbeat, not by one after the backoff.
            var answer = await peers.For(peer).ExchangeHeartbeatAsync(await OursAsync(ct),
                new CallOptions(deadline: DateTime.UtcNow.Add(Options.Membership.CallTimeout), cancellationToken: ct).WithWaitForReady());
            membership.Seen(peer, answer.Capacity is null ? null : CapacityMessages.FromMessage(answer.Capacity));
            return true;
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            var detail = e.StatusCode == StatusCode.DeadlineExceeded
                ? $"no answer within {Options.Membership.CallTimeout.TotalSeconds:0.###}s"
                : e.Status.Detail;
            membership.Missed(peer, ErrorMappingInterceptor.OneLine($"{e.StatusCode}: {detail}"));
            return false;
        }
        catch (FederationException e)
        {
            membership.Missed(peer, ErrorMappingInterceptor.OneLine(e.Message));
            return false;
        }
    }

    /// <summary>A peer's heartbeat: only a configured peer, speaking for itself, is recorded.</summary>
    public async Task<ClusterHeartbeat> AnswerAsync(ClusterHeartbeat request, PeerCaller caller, CancellationToken ct)
    {
        var from = request.Cluster;
        if (string.IsNullOrEmpty(from)) throw FederationException.InvalidArgument("heartbeat names no cluster");
        caller.MustBe(from, $"send heartbeats for cluster '{Names.Escape(from, 64)}'");
        if (!peers.IsKnown(from)) throw FederationException.FailedPrecondition($"cluster '{Names.Escape(from, 64)}' is not a peer of '{Options.Cluster}'");
        membership.Seen(from, request.Capacity is null ? null : CapacityMessages.FromMessage(request.Capacity));
        LogHeartbeatFrom(logger, from);
        return await OursAsync(ct);
    }

    private async Task<ClusterHeartbeat> OursAsync(CancellationToken ct) => new()
    {
        Cluster = Options.Cluster,
        SentAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()),
        Capacity = CapacityMessages.ToMessage(await capacity.GetAsync(Options.Membership.HeartbeatInterval, ct)),
    };

    [LoggerMessage(Level = LogLevel.Trace, Message = "heartbeat from peer {Peer}")]
    private static partial void LogHeartbeatFrom(ILogger logger, string peer);
}
