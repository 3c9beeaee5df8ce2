namespace Federation.SyncModule.Receiver;

/// <summary>
/// Hands out one-time transfer tokens. The destination coordinator issues one per transfer and gives
/// it to the sender; the token fixes the target directory (relative to the receiver's root).
/// </summary>
public interface ISyncTokenIssuer
{
    /// <summary>
    /// Issues a token for one transfer into <paramref name="targetPath"/> (e.g. "cart/round-3"). A <paramref name="tag"/>
    /// (base64url characters) is appended after a '.', part of the token, for the sender to read.
    /// </summary>
    string IssueToken(string targetPath, TimeSpan? lifetime = null, string? tag = null);

    /// <summary>Makes an unused token invalid at once.</summary>
    void RevokeToken(string token);
}
