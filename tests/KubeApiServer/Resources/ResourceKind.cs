using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Resources;

/// <summary>
/// One REST resource the server serves (e.g. apps/v1 deployments): its names for discovery, whether it is
/// namespaced, its subresources, the <c>k8s.Models</c> type bodies must parse into, and its strategy
/// (defaults, validation, table columns).
/// </summary>
public sealed record ResourceKind
{
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Plural { get; init; }
    public required string Singular { get; init; }
    public required string Kind { get; init; }
    public required bool Namespaced { get; init; }
    public string[] ShortNames { get; init; } = [];
    public string[] Categories { get; init; } = [];

    /// <summary>Verbs as discovery lists them.</summary>
    public string[] Verbs { get; init; } = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>True when the kind has a status subresource (the main endpoint then keeps the stored status).</summary>
    public bool HasStatus { get; init; }

    /// <summary>True when the kind has a scale subresource (autoscaling/v1 Scale).</summary>
    public bool HasScale { get; init; }

    /// <summary>True when metadata.generation counts spec changes.</summary>
    public bool TracksGeneration { get; init; }

    /// <summary>True when delete answers with the deleted object rather than a Status (pods, services, namespaces).</summary>
    public bool ReturnsDeletedObject { get; init; }

    /// <summary>The CLR model type bodies must parse into.</summary>
    public required Type ModelType { get; init; }

    public required Func<JsonNode, IKubernetesObject<V1ObjectMeta>> Decode { get; init; }

    public required ResourceStrategy Strategy { get; init; }

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>"pods", "deployments.apps": the group-qualified resource used in error messages.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public string ListKind => Kind + "List";

    public JsonObject Encode(IKubernetesObject<V1ObjectMeta> model) =>
        JsonNode.Parse(KubernetesJson.Serialize(model))!.AsObject();

    public static ResourceKind Of<TModel>(string group, string version, string plural, string kind, bool namespaced, ResourceStrategy strategy)
        where TModel : class, IKubernetesObject<V1ObjectMeta> => new()
        {
            Group = group,
            Version = version,
            Plural = plural,
            Singular = kind.ToLowerInvariant(),
            Kind = kind,
            Namespaced = namespaced,
            ModelType = typeof(TModel),
            Decode = node => KubernetesJson.Deserialize<TModel>(node) ?? throw new System.Text.Json.JsonException("null body"),
            Strategy = strategy,
        };
}
