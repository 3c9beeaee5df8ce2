namespace Federation.Coordinator.Policy;

/// <summary>The latest items in memory, oldest first, at most the bound the caller reads at each add (the oldest dropped first); safe across threads.</summary>
public sealed class BoundedHistory<T>(Func<int> bound)
{
    private readonly LinkedList<T> items = new();

    public void Add(T item)
    {
        lock (items)
        {
            items.AddLast(item);
            while (items.Count > bound()) items.RemoveFirst();
        }
    }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<T> List()
    {
        lock (items) return items.ToList();
    }

    /// <summary>The newest item, or the default when there is none.</summary>
    public T? Latest
    {
        get { lock (items) return items.Last is { } last ? last.Value : default; }
    }
}
