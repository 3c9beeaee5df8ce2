namespace Federation;

/// <summary>
/// A failure of a domain operation with a one-line message meant for the person who asked.
/// The gRPC layer turns it into a status; nothing else about it (stack, inner exception) leaves the process.
/// </summary>
public sealed class FederationException(FederationError error, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public FederationError Error { get; } = error;

    public static FederationException InvalidArgument(string message) => new(FederationError.InvalidArgument, message);
    public static FederationException NotFound(string message) => new(FederationError.NotFound, message);
    public static FederationException FailedPrecondition(string message) => new(FederationError.FailedPrecondition, message);
    public static FederationException Unavailable(string message, Exception? inner = null) => new(FederationError.Unavailable, message, inner);
}
