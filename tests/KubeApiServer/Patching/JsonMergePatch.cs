using System.Text.Json.Nodes;

namespace Federation.Tests.Kube.Patching;

/// <summary>RFC 7386 JSON merge patch (application/merge-patch+json): objects merge, null removes, everything else replaces.</summary>
public static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }
        var result = target is JsonObject targetObject ? targetObject.DeepClone().AsObject() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(key);
            }
            else
            {
                var merged = Apply(result[key], value);
                result[key] = merged;
            }
        }
        return result;
    }
}
