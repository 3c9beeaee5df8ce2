using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Federation.Adapters.Kubernetes.Pods;
using Federation.Common;
using k8s.Models;

namespace Federation.Adapters.Kubernetes.Webhook;

/// <summary>
/// The mutating admission webhook's decision (served at <c>POST /mutate-pods</c>): a Pod annotated
/// <c>federation.io/migratable: "true"</c> is rewritten into the runtime form by one JSONPatch (labels, annotations,
/// containers, volumes, shared process namespace), all or nothing; a pod the runtime form cannot hold is refused
/// (<c>allowed: false</c>, one line); any other pod, and one already in the runtime form, passes untouched.
/// </summary>
public sealed class PodMutator(RuntimePodBuilder builder)
{
    public const string Path = "/mutate-pods";

    /// <summary>The answer to one AdmissionReview; never throws for a bad review (it is refused with a message).</summary>
    public AdmissionReviewMessage Review(AdmissionReviewMessage review)
    {
        var request = review.Request;
        var response = new AdmissionResponseMessage { Uid = request?.Uid ?? "", Allowed = true };
        var answer = new AdmissionReviewMessage { ApiVersion = review.ApiVersion is { Length: > 0 } v ? v : "admission.k8s.io/v1", Kind = "AdmissionReview", Response = response };
        if (request is null) return Refuse(answer, 400, "the AdmissionReview has no request");
        if (request.Kind is { } kind && (kind.Kind != "Pod" || kind.Group.Length > 0)) return answer;
        if (request.Operation is not ("CREATE" or "")) return answer;
        if (request.Object is not { ValueKind: JsonValueKind.Object } json) return Refuse(answer, 400, "the AdmissionReview carries no pod object");

        V1Pod pod;
        try
        {
            pod = k8s.KubernetesJson.Deserialize<V1Pod>(json.GetRawText());
        }
        catch (JsonException e)
        {
            return Refuse(answer, 400, $"the pod does not parse: {e.Message}");
        }
        var annotations = pod.Metadata?.Annotations ?? new Dictionary<string, string>();
        if (!annotations.TryGetValue(FederationLabels.Migratable, out var migratable) || migratable != "true") return answer;
        if (annotations.ContainsKey(FederationLabels.RuntimeForm)) return answer;

        V1Pod rewritten;
        try
        {
            var app = AppContainerSpec.Of(pod);
            rewritten = builder.Build(pod, app, RuntimePodRole.Serving);
        }
        catch (PodRewriteRefusal e)
        {
            return Refuse(answer, 422, $"federation: pod {Names.Shorten(pod.Metadata?.Name ?? pod.Metadata?.GenerateName ?? "")} cannot be made migratable: {e.Message}");
        }
        response.PatchType = "JSONPatch";
        response.Patch = Convert.ToBase64String(Encoding.UTF8.GetBytes(PatchOf(pod, rewritten).ToJsonString()));
        return answer;
    }

    /// <summary>
    /// The JSONPatch from a pod to its runtime form. Whole members are set ("add" replaces a member that exists), so no
    /// key needs escaping and the patch applies to the pod as the API server holds it, in one step.
    /// </summary>
    public static JsonArray PatchOf(V1Pod before, V1Pod after)
    {
        var patch = new JsonArray
        {
            Op("add", "/metadata/labels", after.Metadata.Labels),
            Op("add", "/metadata/annotations", after.Metadata.Annotations),
            Op("replace", "/spec/containers", after.Spec.Containers),
            Op("add", "/spec/volumes", after.Spec.Volumes),
            Op("add", "/spec/shareProcessNamespace", true),
        };
        if (before.Spec?.AutomountServiceAccountToken is null) patch.Add(Op("add", "/spec/automountServiceAccountToken", after.Spec.AutomountServiceAccountToken));
        return patch;
    }

    private static JsonObject Op(string op, string path, object? value) => new()
    {
        ["op"] = op,
        ["path"] = path,
        ["value"] = JsonNode.Parse(k8s.KubernetesJson.Serialize(value)),
    };

    private static AdmissionReviewMessage Refuse(AdmissionReviewMessage answer, int code, string message)
    {
        answer.Response!.Allowed = false;
        answer.Response.Status = new AdmissionStatusMessage { Code = code, Message = ErrorMappingInterceptor.OneLine(message) };
        return answer;
    }
}
