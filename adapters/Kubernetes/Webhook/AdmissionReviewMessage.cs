using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federation.Adapters.Kubernetes.Webhook;

/// <summary>An <c>admission.k8s.io/v1</c> AdmissionReview, the fields the webhook reads and writes (KubernetesClient carries no model of it).</summary>
public sealed class AdmissionReviewMessage
{
    [JsonPropertyName("apiVersion")] public string ApiVersion { get; set; } = "admission.k8s.io/v1";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "AdmissionReview";
    [JsonPropertyName("request")] public AdmissionRequestMessage? Request { get; set; }
    [JsonPropertyName("response")] public AdmissionResponseMessage? Response { get; set; }
}

public sealed class AdmissionRequestMessage
{
    [JsonPropertyName("uid")] public string Uid { get; set; } = "";
    [JsonPropertyName("kind")] public GroupVersionKindMessage? Kind { get; set; }
    [JsonPropertyName("operation")] public string Operation { get; set; } = "";
    [JsonPropertyName("namespace")] public string? Namespace { get; set; }
    [JsonPropertyName("name")] public string? Name { get; set; }
    [JsonPropertyName("object")] public JsonElement? Object { get; set; }
    [JsonPropertyName("dryRun")] public bool? DryRun { get; set; }
}

public sealed class GroupVersionKindMessage
{
    [JsonPropertyName("group")] public string Group { get; set; } = "";
    [JsonPropertyName("version")] public string Version { get; set; } = "";
    [JsonPropertyName("kind")] public string Kind { get; set; } = "";
}

public sealed class AdmissionResponseMessage
{
    [JsonPropertyName("uid")] public string Uid { get; set; } = "";
    [JsonPropertyName("allowed")] public bool Allowed { get; set; }
    [JsonPropertyName("status")][JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public AdmissionStatusMessage? Status { get; set; }
    [JsonPropertyName("patchType")][JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PatchType { get; set; }
    /// <summary>The JSONPatch, base64.</summary>
    [JsonPropertyName("patch")][JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Patch { get; set; }
}

public sealed class AdmissionStatusMessage
{
    [JsonPropertyName("code")] public int Code { get; set; }
    [JsonPropertyName("message")] public string Message { get; set; } = "";
}
