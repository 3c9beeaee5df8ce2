using Federation.V1;
using Google.Protobuf;

namespace Federation.Adapters.Docker;

/// <summary>A Docker-host workload's labels: those of the app spec it was deployed (or restored) with, as the adapter's state keeps it.</summary>
public static class WorkloadSpecLabels
{
    /// <summary>The labels of <paramref name="specJson"/> (an AppSpec as JSON); null when there is no spec, it has none, or it does not parse.</summary>
    public static IReadOnlyDictionary<string, string>? Of(string? specJson)
    {
        if (specJson is not { Length: > 0 }) return null;
        try
        {
            var spec = JsonParser.Default.Parse<AppSpec>(specJson);
            return spec.Labels.Count > 0 ? new Dictionary<string, string>(spec.Labels, StringComparer.Ordinal) : null;
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException)
        {
            return null;
        }
    }
}
