using Federation.Coordinator.Options;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Policy;

/// <summary>The latest policy events, in memory (at most <see cref="PolicyOptions.EventsKept"/>, the oldest dropped first).</summary>
public sealed class PolicyEvents(IOptions<CoordinatorOptions> options)
{
    private readonly BoundedHistory<PolicyEvent> events = new(() => options.Value.Policy.EventsKept);

    public void Add(PolicyEvent e) => events.Add(e);

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<PolicyEvent> List() => events.List();
}
