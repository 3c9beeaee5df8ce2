using Federation.Adapters;
using Federation.Coordinator.Auth;
using Federation.Coordinator.Options;
using Federation.Coordinator.Requests;
using Federation.V1;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Targets;

/// <summary>
/// The destination's answer to a negotiation: can this cluster take the workload? It asks the adapter
/// where a runtime would be placed and what that node's runtime is, and refuses, with every reason, a
/// source it cannot restore or a workload it has no room for. Creates nothing. A peer negotiates only for itself.
/// </summary>
public sealed class MigrationAdmission(IOrchestratorAdapter adapter, IOptions<CoordinatorOptions> options)
{
    private string Cluster => options.Value.Cluster;

    public async Task<NegotiateResponse> NegotiateAsync(NegotiateRequest request, PeerCaller caller, CancellationToken ct)
    {
        var workload = RequestChecks.WorkloadWithSpec(request.Workload, request.Spec);
        RequestChecks.Cluster(request.SourceCluster, "source cluster");
        caller.MustBe(request.SourceCluster, $"negotiate a migration for cluster '{request.SourceCluster}'");
        if (request.SourceRuntime is null) throw FederationException.InvalidArgument("the source runtime's description is missing");
        var offer = await adapter.OfferPlacementAsync(request.Spec, ct);
        var refusals = CompatibilityCheck.Refusals(request.SourceRuntime, offer, request.Spec, requiredMemory: 0);
        if (await adapter.GetWorkloadAsync(workload, ct) is { } existing && existing.MigrationId != request.MigrationId)
            refusals.Add($"workload {workload} already exists here");
        if (refusals.Count > 0)
            throw FederationException.FailedPrecondition($"cluster '{Cluster}' cannot take {workload}: {string.Join("; ", refusals)}");
        var runtime = offer.Runtime;
        var preDump = request.SourceRuntime.DirtyTracking && runtime.DirtyTracking;
        return new NegotiateResponse
        {
            Destination = Capabilities(offer),
            PreDumpPossible = preDump,
            Summary = $"node {offer.Node}: {runtime.Architecture}, kernel {runtime.Kernel}, CRIU {runtime.CriuVersion}, runc {runtime.RuncVersion}, " +
                      $"Docker {runtime.DockerVersion}, dirty tracking {(preDump ? "on" : "off")}, {offer.WorkloadSlotsFree} slot(s) free",
        };
    }

    private ClusterCapabilities Capabilities(PlacementOffer offer)
    {
        var runtime = offer.Runtime;
        var message = new ClusterCapabilities
        {
            Cluster = Cluster,
            Node = offer.Node,
            Architecture = runtime.Architecture,
            Kernel = runtime.Kernel,
            DockerVersion = runtime.DockerVersion,
            ContainerdVersion = runtime.ContainerdVersion,
            RuncVersion = runtime.RuncVersion,
            CriuVersion = runtime.CriuVersion,
            DirtyTracking = runtime.DirtyTracking,
            WorkloadSlotsFree = (uint)Math.Max(0, offer.WorkloadSlotsFree),
        };
        if (offer.MemoryFreeBytes is { } free) message.MemoryFreeBytes = free;
        message.Images.AddRange(offer.Images);
        return message;
    }
}
