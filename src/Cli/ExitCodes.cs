namespace Federation.Cli;

/// <summary>fedctl's exit codes (documented in `fedctl --help`).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The migration ran and did not complete (rolled back or failed).</summary>
    public const int MigrationFailed = 1;
    /// <summary>Bad command line or bad input (InvalidArgument).</summary>
    public const int Usage = 2;
    /// <summary>The config file is missing or broken, or names no such cluster.</summary>
    public const int Config = 3;
    /// <summary>The coordinator (or the destination it needs) cannot be reached.</summary>
    public const int Unreachable = 4;
    /// <summary>Refused: FailedPrecondition, Aborted (e.g. the workload is already moving), ResourceExhausted.</summary>
    public const int Refused = 5;
    /// <summary>No such workload, migration or destination cluster.</summary>
    public const int NotFound = 6;
    /// <summary>Anything else.</summary>
    public const int Internal = 7;
    /// <summary>The coordinator did not accept fedctl's credential: no operator token, a wrong one (Unauthenticated, PermissionDenied).</summary>
    public const int NotAuthorized = 8;

    public const string Help = "exit codes: 0 ok, 1 migration rolled back or failed, 2 bad input, 3 config or unknown cluster, " +
                               "4 coordinator unreachable, 5 refused, 6 not found, 7 internal error, 8 credential not accepted";
}
