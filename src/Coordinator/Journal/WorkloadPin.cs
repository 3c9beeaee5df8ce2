using System.Globalization;
using Federation.Adapters;

namespace Federation.Coordinator.Journal;

/// <summary>A workload pinned by hand in this cluster (kept in the journal, so it survives a restart): no policy moves it.</summary>
/// <param name="Note">What the operator wrote with the pin; may be empty.</param>
public sealed record WorkloadPin(WorkloadId Workload, DateTimeOffset PinnedAt, string Note)
{
    public string Describe() => Note.Length == 0
        ? $"pinned by hand at {PinnedAt.ToString("u", CultureInfo.InvariantCulture)}"
        : $"pinned by hand at {PinnedAt.ToString("u", CultureInfo.InvariantCulture)}: {Note}";
}
