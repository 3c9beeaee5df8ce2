using Federation.Coordinator.Auth;
using Federation.Coordinator.Membership;
using Federation.Coordinator.Policy;
using Federation.Coordinator.Targets;
using Federation.Coordinator.Traffic;
using Federation.V1;
using Grpc.Core;

namespace Federation.Coordinator.Services;

/// <summary>
/// The peer API other coordinators call: argument plumbing over the destination's target classes and the home side of
/// traffic and of a deletion, membership, and the bring-home its policy's home asks for, each told which peer is calling (<see cref="PeerCaller"/>, admitted by <see cref="PeerAdmissionInterceptor"/>).
/// </summary>
public sealed class CoordinatorPeerService(
    MigrationAdmission admission,
    TargetPreparation preparation,
    TargetCommit commit,
    TargetRemoval removal,
    TargetHeartbeats heartbeats,
    HomeSideTraffic home,
    StableAddressClosure closure,
    HeartbeatExchange membership,
    ReturnHomeStarter returns,
    PeerCaller caller) : CoordinatorPeer.CoordinatorPeerBase
{
    public override Task<NegotiateResponse> Negotiate(NegotiateRequest request, ServerCallContext context) =>
        admission.NegotiateAsync(request, caller, context.CancellationToken);

    public override Task<PrepareTargetResponse> PrepareTarget(PrepareTargetRequest request, ServerCallContext context) =>
        preparation.PrepareAsync(request, caller, context.CancellationToken);

    public override Task<PeerOpenTransferResponse> OpenTransfer(PeerOpenTransferRequest request, ServerCallContext context) =>
        preparation.OpenTransferAsync(request, caller, context.CancellationToken);

    public override Task<CommitResponse> Commit(CommitRequest request, ServerCallContext context) =>
        commit.CommitAsync(request, caller, context.CancellationToken);

    public override Task<AbortResponse> Abort(AbortRequest request, ServerCallContext context) =>
        removal.AbortAsync(request, caller, context.CancellationToken);

    public override Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context) =>
        Task.FromResult(heartbeats.Heartbeat(request, caller));

    public override Task<TrafficResponse> HoldTraffic(HoldTrafficRequest request, ServerCallContext context) =>
        home.HoldAsync(request, caller, context.CancellationToken);

    public override Task<TrafficResponse> SwitchTraffic(SwitchTrafficRequest request, ServerCallContext context) =>
        home.SwitchAsync(request, caller, context.CancellationToken);

    public override Task<TrafficResponse> ReleaseTraffic(ReleaseTrafficRequest request, ServerCallContext context) =>
        home.ReleaseAsync(request, caller, context.CancellationToken);

    public override Task<CloseStableAddressResponse> CloseStableAddress(CloseStableAddressRequest request, ServerCallContext context) =>
        closure.CloseAsync(request, caller, context.CancellationToken);

    public override Task<ClusterHeartbeat> ExchangeHeartbeat(ClusterHeartbeat request, ServerCallContext context) =>
        membership.AnswerAsync(request, caller, context.CancellationToken);

    public override Task<ReturnHomeResponse> ReturnHome(ReturnHomeRequest request, ServerCallContext context) =>
        returns.StartAsync(request, caller, context.CancellationToken);
}
