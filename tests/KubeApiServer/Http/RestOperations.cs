using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Federation.Tests.Kube.Admission;
using Federation.Tests.Kube.Patching;
using Federation.Tests.Kube.Resources;
using Federation.Tests.Kube.Store;
using Federation.Tests.Kube.Validation;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Http;

/// <summary>
/// The API server's write path, independent of HTTP, in the real order: decode (strict fields, defaults),
/// namespace lifecycle, mutating admission, name generation and metadata, validation (422), allocation,
/// storage with resourceVersion preconditions (409); and deletion with finalizers and graceful pod deletion.
/// </summary>
public sealed class RestOperations(ResourceCatalog catalog, ObjectStore store, StrategyContext context, IMutatingAdmission admission, KubeApiServerOptions options)
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const int PatchAttempts = 5;

    public ResourceCatalog Catalog => catalog;
    public ObjectStore Store => store;

    public JsonObject Get(ResourceKind kind, string ns, string name) =>
        store.Get(kind, ns, name) ?? throw KubeStatusException.NotFound(kind.GroupResource, name, kind.Group);

    public async Task<JsonObject> CreateAsync(ResourceKind kind, string ns, JsonNode? body, WriteOptions write, CancellationToken cancellationToken)
    {
        var json = PrepareBody(kind, ns, body);
        if (json["metadata"]?["resourceVersion"] is JsonValue version && version.ToString().Length > 0)
        {
            throw new KubeStatusException(500, "", "resourceVersion should not be set on objects to be created");
        }
        RequireNamespace(kind, ns, json);
        var model = Decode(kind, json, write);
        var encoded = kind.Encode(model);
        encoded = await admission.AdmitAsync(kind, "CREATE", encoded, null, null, write.DryRun, cancellationToken).ConfigureAwait(false);
        model = Decode(kind, encoded, null);
        var metadata = model.Metadata ??= new V1ObjectMeta();
        if (string.IsNullOrEmpty(metadata.Name) && !string.IsNullOrEmpty(metadata.GenerateName))
        {
            metadata.Name = metadata.GenerateName + string.Concat(Enumerable.Range(0, 5).Select(_ => NameAlphabet[Random.Shared.Next(NameAlphabet.Length)]));
        }
        metadata.Uid = Guid.NewGuid().ToString();
        metadata.CreationTimestamp = StrategyContext.Now;
        metadata.ResourceVersion = null;
        metadata.DeletionTimestamp = null;
        metadata.DeletionGracePeriodSeconds = null;
        metadata.Generation = kind.TracksGeneration ? 1 : null;
        if (!kind.Namespaced)
        {
            metadata.NamespaceProperty = null;
        }
        kind.Strategy.PrepareForCreate(model, context);
        Validate(kind, model, kind.Strategy.Validate(model, context));
        Validate(kind, model, kind.Strategy.Allocate(model, null, context));
        var stored = kind.Encode(model);
        if (write.DryRun)
        {
            kind.Strategy.Released(stored, context);
            return stored;
        }
        try
        {
            stored = store.Create(kind, stored);
        }
        catch
        {
            kind.Strategy.Released(stored, context);
            throw;
        }
        if (kind.Plural == "namespaces" && kind.Group.Length == 0)
        {
            CreateDefaultServiceAccount(metadata.Name);
        }
        return stored;
    }

    /// <summary>PUT of the object or of its status subresource.</summary>
    public async Task<JsonObject> UpdateAsync(ResourceKind kind, string ns, string name, string? subresource, JsonNode? body, WriteOptions write, CancellationToken cancellationToken)
    {
        var json = PrepareBody(kind, ns, body);
        var unconditional = json["metadata"]?["resourceVersion"] is not JsonValue version || version.ToString().Length == 0;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await UpdateAsync(kind, ns, name, subresource, json.DeepClone().AsObject(), write, precondition: null, cancellationToken).ConfigureAwait(false);
            }
            catch (KubeStatusException conflict) when (conflict.Reason == "Conflict" && unconditional && attempt < PatchAttempts)
            {
                // An update without a resourceVersion is unconditional: the real server retries it against the newest object.
            }
        }
    }

    public async Task<JsonObject> PatchAsync(ResourceKind kind, string ns, string name, string? subresource, string contentType, string patchText, WriteOptions write, CancellationToken cancellationToken)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        if (mediaType == "application/apply-patch+yaml" && string.IsNullOrEmpty(write.FieldManager))
        {
            throw new KubeStatusException(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
                new JsonObject { ["group"] = "meta.k8s.io", ["kind"] = "PatchOptions", ["causes"] = new JsonArray(new JsonObject { ["reason"] = "FieldValueRequired", ["message"] = "Required value: is required for apply patch", ["field"] = "fieldManager" }) });
        }
        JsonNode? patch;
        try
        {
            patch = mediaType == "application/apply-patch+yaml" ? YamlToJson(patchText) : JsonNode.Parse(patchText);
        }
        catch (Exception e) when (e is JsonException or YamlDotNet.Core.YamlException)
        {
            throw KubeStatusException.BadRequest($"error decoding patch: {e.Message}");
        }
        for (var attempt = 1; ; attempt++)
        {
            var current = store.Get(kind, ns, name);
            if (current is null)
            {
                if (mediaType == "application/apply-patch+yaml" && subresource is null)
                {
                    return await CreateAsync(kind, ns, patch, write, cancellationToken).ConfigureAwait(false);
                }
                throw KubeStatusException.NotFound(kind.GroupResource, name, kind.Group);
            }
            var patched = ApplyPatch(mediaType, current, patch);
            if (patched is not JsonObject patchedObject)
            {
                throw KubeStatusException.BadRequest("the patch did not produce an object");
            }
            var explicitVersion = patchedObject["metadata"]?["resourceVersion"]?.GetValue<string>() is { } v && v != ObjectStore.VersionOf(current);
            patchedObject["metadata"] ??= new JsonObject();
            if (!explicitVersion)
            {
                patchedObject["metadata"]!["resourceVersion"] = ObjectStore.VersionOf(current);
            }
            try
            {
                return await UpdateAsync(kind, ns, name, subresource, patchedObject, write, precondition: null, cancellationToken).ConfigureAwait(false);
            }
            catch (KubeStatusException conflict) when (conflict.Reason == "Conflict" && !explicitVersion && attempt < PatchAttempts)
            {
            }
        }
    }

    /// <summary>Cancelled when the server stops (pending namespace finalizations are dropped).</summary>
    public CancellationToken Stopping { get; set; }

    /// <summary>Removes the object, or marks it (deletionTimestamp) while finalizers remain or a bound pod terminates gracefully.</summary>
    public JsonObject Delete(ResourceKind kind, string ns, string name, V1DeleteOptions? deletion, long? gracePeriodQuery, bool dryRun)
    {
        // A delete without preconditions does not fail because something else wrote the object meanwhile (the real
        // server's GuaranteedUpdate reads again and retries); one with preconditions answers 409 as asked.
        var unconditional = deletion?.Preconditions?.ResourceVersion is null && deletion?.Preconditions?.Uid is null;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return DeleteOnce(kind, ns, name, deletion, gracePeriodQuery, dryRun);
            }
            catch (KubeStatusException conflict) when (conflict.Reason == "Conflict" && unconditional && attempt < PatchAttempts)
            {
            }
        }
    }

    private JsonObject DeleteOnce(ResourceKind kind, string ns, string name, V1DeleteOptions? deletion, long? gracePeriodQuery, bool dryRun)
    {
        var current = Get(kind, ns, name);
        if (IsNamespaces(kind))
        {
            return dryRun ? current : Terminate(kind, current, name);
        }
        var expectedVersion = deletion?.Preconditions?.ResourceVersion;
        var expectedUid = deletion?.Preconditions?.Uid;
        if (expectedUid is not null && current["metadata"]?["uid"]?.GetValue<string>() != expectedUid)
        {
            throw KubeStatusException.Conflict(kind, name, $"the UID in the precondition ({expectedUid}) does not match the UID in record ({current["metadata"]?["uid"]}). The object might have been deleted and then recreated");
        }
        if (expectedVersion is not null && ObjectStore.VersionOf(current) != expectedVersion)
        {
            throw KubeStatusException.Conflict(kind, name, $"the ResourceVersion in the precondition ({expectedVersion}) does not match the ResourceVersion in record ({ObjectStore.VersionOf(current)}). The object might have been modified");
        }
        var metadata = current["metadata"]!.AsObject();
        var finalizers = metadata["finalizers"]?.AsArray().Count ?? 0;
        var grace = deletion?.GracePeriodSeconds ?? gracePeriodQuery;
        if (kind.Plural == "pods" && kind.Group.Length == 0 && options.GracefulPodDeletion && current["spec"]?["nodeName"] is not null)
        {
            grace ??= current["spec"]?["terminationGracePeriodSeconds"]?.GetValue<long>() ?? 30;
            var marked = metadata["deletionGracePeriodSeconds"]?.GetValue<long>();
            if (grace > 0 && (marked is null || grace < marked))
            {
                metadata["deletionTimestamp"] = Timestamp(StrategyContext.Now.AddSeconds(grace.Value));
                metadata["deletionGracePeriodSeconds"] = grace.Value;
                return dryRun ? current : store.Update(kind, current, ObjectStore.VersionOf(current));
            }
            if (grace > 0)
            {
                return current;
            }
        }
        if (finalizers > 0)
        {
            if (metadata["deletionTimestamp"] is null)
            {
                metadata["deletionTimestamp"] = Timestamp(StrategyContext.Now);
                metadata["deletionGracePeriodSeconds"] = 0;
                if (!dryRun)
                {
                    current = store.Update(kind, current, ObjectStore.VersionOf(current));
                }
            }
            return current;
        }
        return dryRun ? current : Remove(kind, ns, name, expectedVersion, expectedUid);
    }

    /// <summary>DELETE on a collection: every object of the namespace the selectors match; answers the list of what was deleted.</summary>
    public List<JsonObject> DeleteCollection(ResourceKind kind, string? ns, Func<JsonObject, bool> matches, V1DeleteOptions? deletion, long? gracePeriodQuery, bool dryRun)
    {
        var deleted = new List<JsonObject>();
        foreach (var item in store.List(kind, ns).Items.Where(matches))
        {
            var itemName = item["metadata"]!["name"]!.GetValue<string>();
            try
            {
                deleted.Add(Delete(kind, item["metadata"]?["namespace"]?.GetValue<string>() ?? "", itemName, deletion, gracePeriodQuery, dryRun));
            }
            catch (KubeStatusException gone) when (gone.Code == 404)
            {
            }
        }
        return deleted;
    }

    /// <summary>pods/binding: sets spec.nodeName once (409 when the pod is already bound elsewhere).</summary>
    public JsonObject Bind(ResourceKind pods, string ns, string name, JsonNode? body)
    {
        V1Binding binding;
        try
        {
            binding = KubernetesJson.Deserialize<V1Binding>(body ?? throw new JsonException("empty body")) ?? throw new JsonException("null body");
        }
        catch (JsonException e)
        {
            throw KubeStatusException.BadRequest($"Binding in version \"v1\" cannot be handled as a Binding: {e.Message}");
        }
        if (binding.Target?.Name is not { Length: > 0 } node)
        {
            throw KubeStatusException.Invalid(pods, name, [FieldCause.Required("target.name", "")]);
        }
        for (var attempt = 1; ; attempt++)
        {
            var current = Get(pods, ns, name);
            if (current["spec"]?["nodeName"]?.GetValue<string>() is { Length: > 0 } bound)
            {
                throw KubeStatusException.Conflict(pods, name, $"pod {name} is already assigned to node \"{bound}\"");
            }
            current["spec"]!["nodeName"] = node;
            try
            {
                store.Update(pods, current, ObjectStore.VersionOf(current));
                return StatusBodies.Success(name, "", "pods", null);
            }
            catch (KubeStatusException conflict) when (conflict.Reason == "Conflict" && attempt < PatchAttempts)
            {
            }
        }
    }

    private async Task<JsonObject> UpdateAsync(ResourceKind kind, string ns, string name, string? subresource, JsonObject json, WriteOptions write, string? precondition, CancellationToken cancellationToken)
    {
        _ = precondition;
        var bodyName = json["metadata"]?["name"]?.GetValue<string>();
        if (bodyName != name)
        {
            throw KubeStatusException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }
        var current = Get(kind, ns, name);
        var model = Decode(kind, json, write);
        var expectedVersion = string.IsNullOrEmpty(model.Metadata.ResourceVersion) ? null : model.Metadata.ResourceVersion;
        if (expectedVersion is not null && expectedVersion != ObjectStore.VersionOf(current))
        {
            throw KubeStatusException.Conflict(kind, name);
        }
        var encoded = kind.Encode(model);
        if (subresource == "status")
        {
            var merged = current.DeepClone().AsObject();
            merged["status"] = encoded["status"]?.DeepClone();
            encoded = merged;
        }
        else if (kind.HasStatus)
        {
            encoded["status"] = current["status"]?.DeepClone();
        }
        if (subresource is null)
        {
            encoded = await admission.AdmitAsync(kind, "UPDATE", encoded, current, null, write.DryRun, cancellationToken).ConfigureAwait(false);
        }
        model = Decode(kind, encoded, null);
        var old = Decode(kind, current.DeepClone().AsObject(), null);
        var metadata = model.Metadata;
        metadata.Uid = old.Metadata.Uid;
        metadata.CreationTimestamp = old.Metadata.CreationTimestamp;
        metadata.DeletionTimestamp = old.Metadata.DeletionTimestamp;
        metadata.DeletionGracePeriodSeconds = old.Metadata.DeletionGracePeriodSeconds;
        metadata.NamespaceProperty = old.Metadata.NamespaceProperty;
        metadata.GenerateName = old.Metadata.GenerateName ?? metadata.GenerateName;
        kind.Strategy.PrepareForUpdate(model, old, context);
        var updated = kind.Encode(model);
        metadata.Generation = old.Metadata.Generation;
        if (kind.TracksGeneration && !JsonNode.DeepEquals(updated["spec"], current["spec"]))
        {
            metadata.Generation = (old.Metadata.Generation ?? 0) + 1;
        }
        Validate(kind, model, kind.Strategy.Validate(model, context).Concat(kind.Strategy.ValidateUpdate(model, old)));
        Validate(kind, model, kind.Strategy.Allocate(model, old, context));
        updated = kind.Encode(model);
        updated["metadata"]!["resourceVersion"] = ObjectStore.VersionOf(current);
        if (write.DryRun)
        {
            return updated;
        }
        var stillFinalizing = updated["metadata"]?["finalizers"]?.AsArray().Count > 0;
        if (!IsNamespaces(kind) && updated["metadata"]?["deletionTimestamp"] is not null && !stillFinalizing && updated["metadata"]?["deletionGracePeriodSeconds"]?.GetValue<long>() is null or 0)
        {
            store.Update(kind, updated, ObjectStore.VersionOf(current));
            return Remove(kind, ns, name, null, null);
        }
        return store.Update(kind, updated, ObjectStore.VersionOf(current));
    }

    private JsonObject Remove(ResourceKind kind, string ns, string name, string? expectedVersion, string? expectedUid)
    {
        var gone = store.Delete(kind, ns, name, expectedVersion, expectedUid);
        kind.Strategy.Released(gone, context);
        return gone;
    }

    private static bool IsNamespaces(ResourceKind kind) => kind.Plural == "namespaces" && kind.Group.Length == 0;

    /// <summary>
    /// A namespace delete as the real server and its namespace controller do it: the namespace turns Terminating
    /// (new content is refused), then, after <see cref="KubeApiServerOptions.NamespaceFinalizationDelay"/>, its
    /// content and the namespace itself are deleted. Answers the Terminating namespace.
    /// </summary>
    private JsonObject Terminate(ResourceKind namespaces, JsonObject current, string name)
    {
        if (current["metadata"]?["deletionTimestamp"] is not null)
        {
            return current;
        }
        current["metadata"]!["deletionTimestamp"] = Timestamp(StrategyContext.Now);
        current["metadata"]!["deletionGracePeriodSeconds"] = 0;
        current["status"] = new JsonObject { ["phase"] = "Terminating" };
        var marked = store.Update(namespaces, current, ObjectStore.VersionOf(current));
        if (options.NamespaceFinalizationDelay <= TimeSpan.Zero)
        {
            FinalizeNamespace(namespaces, name);
        }
        else
        {
            var stopping = Stopping;
            _ = Task.Run(async () =>
            {
                try
                {
                    await Task.Delay(options.NamespaceFinalizationDelay, stopping).ConfigureAwait(false);
                    FinalizeNamespace(namespaces, name);
                }
                catch (OperationCanceledException)
                {
                }
            }, CancellationToken.None);
        }
        return marked;
    }

    private void FinalizeNamespace(ResourceKind namespaces, string name)
    {
        foreach (var contained in catalog.All.Where(k => k.Namespaced))
        {
            foreach (var item in store.List(contained, name).Items)
            {
                try
                {
                    var itemName = item["metadata"]!["name"]!.GetValue<string>();
                    contained.Strategy.Released(store.Delete(contained, name, itemName, null, null), context);
                }
                catch (KubeStatusException missing) when (missing.Code == 404)
                {
                }
            }
        }
        try
        {
            Remove(namespaces, "", name, null, null);
        }
        catch (KubeStatusException missing) when (missing.Code == 404)
        {
        }
    }

    /// <summary>The body as an object with the URL's namespace; a body naming another namespace is a 400 as on the real server.</summary>
    private static JsonObject PrepareBody(ResourceKind kind, string ns, JsonNode? body)
    {
        if (body is not JsonObject json)
        {
            throw KubeStatusException.BadRequest($"{kind.Kind} in version \"{kind.Version}\" cannot be handled as a {kind.Kind}: the body must be a JSON object");
        }
        if (kind.Namespaced)
        {
            var metadata = json["metadata"] as JsonObject;
            if (json["metadata"] is not null and not JsonObject)
            {
                throw KubeStatusException.BadRequest($"{kind.Kind} in version \"{kind.Version}\" cannot be handled as a {kind.Kind}: metadata must be an object");
            }
            metadata ??= new JsonObject();
            json["metadata"] = metadata;
            var bodyNamespace = metadata["namespace"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(bodyNamespace) && bodyNamespace != ns)
            {
                throw KubeStatusException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            metadata["namespace"] = ns;
        }
        return json;
    }

    private void RequireNamespace(ResourceKind kind, string ns, JsonObject body)
    {
        if (!kind.Namespaced)
        {
            return;
        }
        var found = store.Get(catalog.Get("", "namespaces"), "", ns) ?? throw KubeStatusException.NotFound("namespaces", ns);
        if (found["metadata"]?["deletionTimestamp"] is not null)
        {
            var name = body["metadata"]?["name"]?.GetValue<string>() ?? "";
            throw KubeStatusException.Forbidden(
                $"{kind.GroupResource} \"{name}\" is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                new JsonObject
                {
                    ["name"] = name,
                    ["kind"] = kind.Plural,
                    ["causes"] = new JsonArray(new JsonObject { ["reason"] = "NamespaceTerminating", ["message"] = $"namespace {ns} is being terminated", ["field"] = "metadata.namespace" }),
                });
        }
    }

    /// <summary>Typed decoding as the real server does it: apiVersion and kind checked, wrong types a 400, unknown fields per fieldValidation, defaults applied.</summary>
    private IKubernetesObject<V1ObjectMeta> Decode(ResourceKind kind, JsonObject json, WriteOptions? write)
    {
        var apiVersion = json["apiVersion"] is JsonValue av && av.TryGetValue<string>(out var a) ? a : null;
        var kindName = json["kind"] is JsonValue kv && kv.TryGetValue<string>(out var k) ? k : null;
        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != kind.ApiVersion)
        {
            throw KubeStatusException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({kind.ApiVersion})");
        }
        if (!string.IsNullOrEmpty(kindName) && kindName != kind.Kind)
        {
            throw KubeStatusException.BadRequest($"{kindName} in version \"{kind.Version}\" cannot be handled as a {kind.Kind}: the kind in the data ({kindName}) does not match the expected kind ({kind.Kind})");
        }
        json["apiVersion"] = kind.ApiVersion;
        json["kind"] = kind.Kind;
        IKubernetesObject<V1ObjectMeta> model;
        try
        {
            model = kind.Decode(json);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or OverflowException)
        {
            throw KubeStatusException.BadRequest($"{kind.Kind} in version \"{kind.Version}\" cannot be handled as a {kind.Kind}: {DecodeError(e)}");
        }
        if (write is not null && write.FieldValidation != "Ignore")
        {
            var unknown = StrictFieldChecker.UnknownFields(json, kind.ModelType);
            if (unknown.Count > 0 && write.FieldValidation == "Strict")
            {
                throw KubeStatusException.BadRequest($"{kind.Kind} in version \"{kind.Version}\" cannot be handled as a {kind.Kind}: strict decoding error: {string.Join(", ", unknown.Select(u => $"unknown field \"{u}\""))}");
            }
            write.Warnings.AddRange(unknown.Select(u => $"unknown field \"{u}\""));
        }
        model.Metadata ??= new V1ObjectMeta();
        kind.Strategy.Default(model, context);
        return model;
    }

    private static string DecodeError(Exception e)
    {
        var message = e.Message;
        var cut = message.IndexOf(" | LineNumber", StringComparison.Ordinal);
        message = cut > 0 ? message[..cut] : message;
        return e is JsonException { Path: { } path } ? $"json: cannot unmarshal the value at {path.TrimStart('$').TrimStart('.')}: {message}" : message;
    }

    private static void Validate(ResourceKind kind, IKubernetesObject<V1ObjectMeta> model, IEnumerable<FieldCause> strategyCauses)
    {
        var causes = kind.Strategy.ValidateMetadata(model.Metadata, kind.Namespaced).Concat(strategyCauses).ToList();
        if (causes.Count > 0)
        {
            throw KubeStatusException.Invalid(kind, model.Metadata?.Name ?? "", causes);
        }
    }

    private static JsonNode? ApplyPatch(string mediaType, JsonObject current, JsonNode? patch)
    {
        try
        {
            return mediaType switch
            {
                "application/merge-patch+json" => JsonMergePatch.Apply(current, patch),
                "application/strategic-merge-patch+json" => StrategicMergePatch.Apply(current, patch),
                "application/apply-patch+yaml" => StrategicMergePatch.Apply(current, patch),
                "application/json-patch+json" => patch is JsonArray operations
                    ? JsonPatch.Apply(current, operations)
                    : throw KubeStatusException.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
                _ => throw KubeStatusException.UnsupportedMediaType(mediaType),
            };
        }
        catch (JsonPatchException e)
        {
            throw new KubeStatusException(422, "Invalid", e.Message);
        }
        catch (FormatException e)
        {
            throw KubeStatusException.BadRequest(e.Message);
        }
    }

    private static JsonNode? YamlToJson(string yaml) => YamlJson.Parse(yaml);

    private void CreateDefaultServiceAccount(string ns)
    {
        var accounts = catalog.Get("", "serviceaccounts");
        if (store.Exists(accounts, ns, "default"))
        {
            return;
        }
        var account = new V1ServiceAccount
        {
            ApiVersion = "v1",
            Kind = "ServiceAccount",
            Metadata = new V1ObjectMeta { Name = "default", NamespaceProperty = ns, Uid = Guid.NewGuid().ToString(), CreationTimestamp = StrategyContext.Now },
        };
        try
        {
            store.Create(accounts, accounts.Encode(account));
        }
        catch (KubeStatusException exists) when (exists.Code == 409)
        {
        }
    }

    private static string Timestamp(DateTime at) => at.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
