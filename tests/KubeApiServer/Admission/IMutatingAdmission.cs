using System.Text.Json.Nodes;
using Federation.Tests.Kube.Resources;

namespace Federation.Tests.Kube.Admission;

/// <summary>The mutating admission step of a create or an update: returns the object as the webhooks changed it, or throws a KubeStatusException.</summary>
public interface IMutatingAdmission
{
    Task<JsonObject> AdmitAsync(ResourceKind kind, string operation, JsonObject item, JsonObject? old, string? subresource, bool dryRun, CancellationToken cancellationToken);
}
