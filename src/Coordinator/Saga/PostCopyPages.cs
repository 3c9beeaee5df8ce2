using Federation.V1;

namespace Federation.Coordinator.Saga;

/// <summary>A post-copy's page tunnel as the saga watches it: the source's ServePages call, its latest progress, and its end.</summary>
public sealed class PostCopyPages(Task<PageServingProgress> done, Func<PageServingProgress?> latest)
{
    /// <summary>The last progress, completed; faults with the source's reason when not every page was served.</summary>
    public Task<PageServingProgress> Done { get; } = done;

    public PageServingProgress? Latest => latest();
}
