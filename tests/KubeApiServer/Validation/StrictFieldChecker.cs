using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Federation.Tests.Kube.Validation;

/// <summary>
/// Finds the fields of a JSON body that the model type does not declare (what the real server's strict decoding
/// reports as <c>unknown field "spec.foo"</c>); the decoder itself drops them silently.
/// </summary>
public static class StrictFieldChecker
{
    private static readonly ConcurrentDictionary<Type, Dictionary<string, Type>> Properties = new();

    public static List<string> UnknownFields(JsonNode? node, Type type)
    {
        var unknown = new List<string>();
        Walk(node, type, "", unknown);
        return unknown;
    }

    private static void Walk(JsonNode? node, Type type, string path, List<string> unknown)
    {
        if (node is null)
        {
            return;
        }
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsLeaf(type))
        {
            return;
        }
        if (Dictionary(type) is { } valueType)
        {
            if (node is JsonObject map)
            {
                foreach (var (key, value) in map)
                {
                    Walk(value, valueType, $"{path}[{key}]", unknown);
                }
            }
            return;
        }
        if (Element(type) is { } elementType)
        {
            if (node is JsonArray array)
            {
                for (var i = 0; i < array.Count; i++)
                {
                    Walk(array[i], elementType, $"{path}[{i}]", unknown);
                }
            }
            return;
        }
        if (node is not JsonObject json)
        {
            return;
        }
        var properties = Properties.GetOrAdd(type, Describe);
        foreach (var (name, value) in json)
        {
            var at = path.Length == 0 ? name : $"{path}.{name}";
            if (properties.TryGetValue(name, out var propertyType))
            {
                Walk(value, propertyType, at, unknown);
            }
            else
            {
                unknown.Add(at);
            }
        }
    }

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(object) || type == typeof(DateTime)
        || type == typeof(decimal) || type == typeof(byte[]) || type == typeof(IntOrString) || type == typeof(ResourceQuantity)
        || type == typeof(System.Text.Json.JsonElement);

    private static Type? Dictionary(Type type)
    {
        var map = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return map?.GetGenericArguments()[1];
    }

    private static Type? Element(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }
        var list = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IList<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IList<>));
        return list?.GetGenericArguments()[0];
    }

    private static Dictionary<string, Type> Describe(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Name: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name, p.PropertyType))
            .Where(p => p.Name is not null)
            .ToDictionary(p => p.Name!, p => p.PropertyType, StringComparer.Ordinal);
}
