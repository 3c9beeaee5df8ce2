using System.Text.Json;
using System.Text.Json.Serialization;

namespace Federation.Adapters.Mesos.Api;

/// <summary>How Marathon's JSON is written and read: camelCase members, nulls left out, unknown members of answers ignored.</summary>
public static class MarathonJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
