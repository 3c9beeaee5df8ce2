namespace Federation.Coordinator.Saga;

/// <summary>What the outside can ask of a running saga: to cancel before it commits.</summary>
public sealed class MigrationControl
{
    private volatile bool cancelRequested;

    public bool CancelRequested => cancelRequested;

    public void RequestCancel() => cancelRequested = true;

    public void ThrowIfCancelRequested()
    {
        if (cancelRequested) throw new MigrationCancelledException();
    }
}
