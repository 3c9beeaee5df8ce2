using Federation.Adapters;
using Federation.V1;

namespace Federation.Common;

/// <summary>
/// For adapters that give runtimes no shared storage (yet): a workload with a shared volume is refused before anything is
/// created, and their placement offers list no shared volume, so a migration of one to them is refused in the negotiation.
/// </summary>
public static class SharedStorage
{
    public static void Refuse(WorkloadId id, AppSpec spec, string orchestrator)
    {
        if (AppSpecContainers.SharedVolumes(spec) is [var first, ..])
            throw FederationException.FailedPrecondition(
                $"workload {id} uses shared volume '{first}', but the {orchestrator} adapter gives runtimes no shared storage: use a volume that is copied");
    }
}
