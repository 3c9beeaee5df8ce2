namespace Federation;

/// <summary>The kinds of failure that cross the wire; each maps to one gRPC status code.</summary>
public enum FederationError
{
    InvalidArgument,
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    Aborted,
    Unavailable,
    PermissionDenied,
    ResourceExhausted,
    Internal,
}
