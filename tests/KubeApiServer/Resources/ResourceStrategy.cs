using System.Text.Json.Nodes;
using Federation.Tests.Kube.Validation;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Resources;

/// <summary>
/// What a kind does beyond storage, as the real registry strategies do: defaults, preparation of a create
/// or an update, validation with the real field paths, field selectors and the columns kubectl prints.
/// The base validates metadata only.
/// </summary>
public class ResourceStrategy
{
    public static readonly ResourceStrategy Plain = new();

    /// <summary>How metadata.name is checked (DNS-1123 subdomain unless the kind says otherwise).</summary>
    public virtual Func<string, IEnumerable<string>> NameRule => NameRules.Subdomain;

    /// <summary>Scheme defaults, applied to every decoded body (also after a mutating webhook).</summary>
    public virtual void Default(IKubernetesObject<V1ObjectMeta> model, StrategyContext context) { }

    /// <summary>A create's preparation: status reset, allocations.</summary>
    public virtual void PrepareForCreate(IKubernetesObject<V1ObjectMeta> model, StrategyContext context) { }

    /// <summary>An update's preparation: fields the client may omit are kept from the old object.</summary>
    public virtual void PrepareForUpdate(IKubernetesObject<V1ObjectMeta> model, IKubernetesObject<V1ObjectMeta> old, StrategyContext context) { }

    public virtual IEnumerable<FieldCause> Validate(IKubernetesObject<V1ObjectMeta> model, StrategyContext context) => [];

    public virtual IEnumerable<FieldCause> ValidateUpdate(IKubernetesObject<V1ObjectMeta> model, IKubernetesObject<V1ObjectMeta> old) => [];

    /// <summary>Allocations (ClusterIPs, NodePorts) after validation passed; causes when they cannot be made.</summary>
    public virtual IEnumerable<FieldCause> Allocate(IKubernetesObject<V1ObjectMeta> model, IKubernetesObject<V1ObjectMeta>? old, StrategyContext context) => [];

    /// <summary>Called after the object left the store, or a create failed after <see cref="Allocate"/> (allocations go back).</summary>
    public virtual void Released(JsonObject deleted, StrategyContext context) { }

    /// <summary>Fields besides metadata.name and metadata.namespace a field selector may name.</summary>
    public virtual IReadOnlyDictionary<string, Func<JsonObject, string?>> SelectableFields { get; } = new Dictionary<string, Func<JsonObject, string?>>();

    /// <summary>kubectl's columns for the kind.</summary>
    public virtual IReadOnlyList<TableColumn> Columns { get; } = [TableColumn.NameColumn, TableColumn.AgeColumn];

    /// <summary>Validation of the object's metadata, which every kind shares.</summary>
    public IEnumerable<FieldCause> ValidateMetadata(V1ObjectMeta? metadata, bool namespaced)
    {
        if (metadata is null)
        {
            yield return FieldCause.Required("metadata.name", "name or generateName is required");
            yield break;
        }
        if (string.IsNullOrEmpty(metadata.Name))
        {
            yield return FieldCause.Required("metadata.name", "name or generateName is required");
        }
        else
        {
            foreach (var message in NameRule(metadata.Name))
            {
                yield return FieldCause.Invalid("metadata.name", metadata.Name, message);
            }
        }
        if (namespaced && string.IsNullOrEmpty(metadata.NamespaceProperty))
        {
            yield return FieldCause.Required("metadata.namespace", "");
        }
        if (!namespaced && !string.IsNullOrEmpty(metadata.NamespaceProperty))
        {
            yield return FieldCause.Forbidden("metadata.namespace", "not allowed on this type");
        }
        foreach (var (key, value) in metadata.Labels ?? new Dictionary<string, string>())
        {
            foreach (var message in NameRules.QualifiedName(key))
            {
                yield return FieldCause.Invalid("metadata.labels", key, message);
            }
            foreach (var message in NameRules.LabelValueMessages(value ?? ""))
            {
                yield return FieldCause.Invalid("metadata.labels", value, message);
            }
        }
        foreach (var key in (metadata.Annotations ?? new Dictionary<string, string>()).Keys)
        {
            foreach (var message in NameRules.QualifiedName(key.ToLowerInvariant()))
            {
                yield return FieldCause.Invalid("metadata.annotations", key, message);
            }
        }
        var annotationBytes = (metadata.Annotations ?? new Dictionary<string, string>()).Sum(a => a.Key.Length + (a.Value?.Length ?? 0));
        if (annotationBytes > 256 * 1024)
        {
            yield return new FieldCause("FieldValueTooLong", "metadata.annotations", "Too long: must have at most 262144 bytes");
        }
        foreach (var (reference, index) in (metadata.OwnerReferences ?? []).Select((r, i) => (r, i)))
        {
            if (string.IsNullOrEmpty(reference.Uid))
            {
                yield return FieldCause.Invalid($"metadata.ownerReferences.uid", reference.Uid ?? "", "uid must not be empty");
            }
            if (string.IsNullOrEmpty(reference.Name))
            {
                yield return FieldCause.Invalid($"metadata.ownerReferences.name", reference.Name ?? "", "name must not be empty");
            }
            _ = index;
        }
    }
}
