using Federation.Coordinator.Options;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Policy;

/// <summary>The latest policy events, in memory (at most <see cref="PolicyOptions.EventsKept"/>, the oldest dropped first).</summary>
public sealed class PolicyEvents(IOptions<CoordinatorOptions> options)
{
    private readonly LinkedList<PolicyEvent> events = new();

    public void Add(PolicyEvent e)
    {
        lock (events)
        {
            events.AddLast(e);
            while (events.Count > options.Value.Policy.EventsKept) events.RemoveFirst();
        }
    }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<PolicyEvent> List()
    {
        lock (events) return events.ToList();
    }
}
