namespace Federation.SyncModule.Receiver;

/// <summary>
/// Told of every transfer the receiver completed, before the sender's Complete call returns: a failure fails that call
/// (the sender sees it), so what the owner does with the files (e.g. apply a synced file tree) is part of the transfer.
/// </summary>
public interface ISyncTransferCompletion
{
    /// <summary><paramref name="target"/>: the transfer's directory relative to the receiver's root (e.g. "cart/round-3").</summary>
    Task CompletedAsync(string target, CancellationToken cancellationToken);
}
