using System.Text.Json.Nodes;

namespace Federation.Tests.Kube.Patching;

/// <summary>
/// Strategic merge patch (application/strategic-merge-patch+json) for the built-in types: maps merge, null
/// removes, lists with a patch merge key (containers, env, ports, volumes, volumeMounts, conditions, ...) merge
/// by that key, finalizers merge as a set, every other list replaces. Directives: <c>$patch</c> (replace, delete,
/// merge), <c>$retainKeys</c>, <c>$deleteFromPrimitiveList/</c>, <c>$setElementOrder/</c> (order is kept as patched).
/// </summary>
public static class StrategicMergePatch
{
    private static readonly Dictionary<string, string[]> MergeKeys = new(StringComparer.Ordinal)
    {
        ["containers"] = ["name"],
        ["initContainers"] = ["name"],
        ["ephemeralContainers"] = ["name"],
        ["env"] = ["name"],
        ["volumes"] = ["name"],
        ["volumeMounts"] = ["mountPath"],
        ["volumeDevices"] = ["devicePath"],
        ["ports"] = ["containerPort", "port"],
        ["imagePullSecrets"] = ["name"],
        ["conditions"] = ["type"],
        ["ownerReferences"] = ["uid"],
        ["addresses"] = ["type"],
        ["hostAliases"] = ["ip"],
        ["containerStatuses"] = ["name"],
        ["initContainerStatuses"] = ["name"],
        ["topologySpreadConstraints"] = ["topologyKey"],
        ["resourceClaims"] = ["name"],
        ["webhooks"] = ["name"],
        ["subsets"] = ["ip"],
        ["secrets"] = ["name"],
    };

    private static readonly HashSet<string> SetLists = new(StringComparer.Ordinal) { "finalizers" };

    public static JsonNode? Apply(JsonNode? target, JsonNode? patch, string? field = null)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }
        var directive = patchObject["$patch"]?.GetValue<string>();
        if (directive == "replace")
        {
            var replaced = patchObject.DeepClone().AsObject();
            replaced.Remove("$patch");
            return replaced;
        }
        if (directive == "delete")
        {
            return null;
        }
        var result = target is JsonObject targetObject ? targetObject.DeepClone().AsObject() : new JsonObject();
        if (patchObject["$retainKeys"] is JsonArray retain)
        {
            var keep = retain.Select(k => k!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
            foreach (var key in result.Select(kv => kv.Key).Where(k => !keep.Contains(k)).ToList())
            {
                result.Remove(key);
            }
        }
        foreach (var (key, value) in patchObject)
        {
            if (key is "$patch" or "$retainKeys" || key.StartsWith("$setElementOrder/", StringComparison.Ordinal))
            {
                continue;
            }
            if (key.StartsWith("$deleteFromPrimitiveList/", StringComparison.Ordinal))
            {
                var listName = key["$deleteFromPrimitiveList/".Length..];
                if (result[listName] is JsonArray list && value is JsonArray drop)
                {
                    foreach (var item in list.Where(i => drop.Any(d => JsonNode.DeepEquals(d, i))).ToList())
                    {
                        list.Remove(item);
                    }
                }
                continue;
            }
            if (value is null)
            {
                result.Remove(key);
            }
            else if (value is JsonArray patchList)
            {
                result[key] = MergeList(result[key] as JsonArray, patchList, key);
            }
            else
            {
                var merged = Apply(result[key], value, key);
                if (merged is null)
                {
                    result.Remove(key);
                }
                else
                {
                    result[key] = merged;
                }
            }
        }
        _ = field;
        return result;
    }

    private static JsonArray MergeList(JsonArray? current, JsonArray patch, string field)
    {
        if (SetLists.Contains(field))
        {
            var set = current?.DeepClone().AsArray() ?? [];
            foreach (var item in patch.Where(i => !set.Any(s => JsonNode.DeepEquals(s, i))))
            {
                set.Add(item?.DeepClone());
            }
            return set;
        }
        if (!MergeKeys.TryGetValue(field, out var keys) || patch.Any(i => i is not JsonObject))
        {
            if (patch.Any(i => i is JsonObject o && o["$patch"]?.GetValue<string>() == "replace"))
            {
                return new JsonArray(patch.Where(i => i is not JsonObject o || o["$patch"] is null).Select(i => i?.DeepClone()).ToArray());
            }
            return patch.DeepClone().AsArray();
        }
        var merged = current?.DeepClone().AsArray() ?? [];
        foreach (var item in patch.Cast<JsonObject>())
        {
            if (item["$patch"]?.GetValue<string>() == "replace")
            {
                return new JsonArray(patch.Cast<JsonObject>().Where(i => i["$patch"] is null).Select(i => (JsonNode)i.DeepClone()).ToArray());
            }
            var key = keys.FirstOrDefault(k => item.ContainsKey(k));
            var existing = key is null ? null : merged.OfType<JsonObject>().FirstOrDefault(m => JsonNode.DeepEquals(m[key], item[key]));
            if (item["$patch"]?.GetValue<string>() == "delete")
            {
                if (existing is not null)
                {
                    merged.Remove(existing);
                }
                continue;
            }
            if (existing is null)
            {
                var added = item.DeepClone().AsObject();
                added.Remove("$patch");
                merged.Add(added);
            }
            else
            {
                var index = merged.IndexOf(existing);
                merged[index] = Apply(existing, item);
            }
        }
        return merged;
    }
}
