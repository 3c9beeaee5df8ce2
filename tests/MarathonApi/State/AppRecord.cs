using System.Text.Json.Nodes;
using Federation.Tests.Marathon.Model;

namespace Federation.Tests.Marathon.State;

/// <summary>An app as stored: its definition (validated, defaults filled in), versions, and whether a deletion is under way (then the API no longer shows it).</summary>
public sealed record AppRecord(string Id, JsonObject Definition, AppDefinition Spec, string Version, string ConfigVersion, string ScalingVersion)
{
    public bool Deleting { get; init; }

    public JsonObject? LastTaskFailure { get; init; }
}
