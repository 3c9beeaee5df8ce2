namespace Federation.Coordinator.Auth;

/// <summary>At start: makes the operator token if there is none yet, and says in the log how callers are authenticated (loudly when they are not).</summary>
public sealed partial class AuthenticationAtStart(CoordinatorCredentials credentials, ILogger<AuthenticationAtStart> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (credentials.Insecure) LogInsecure(logger);
        else LogAuthenticating(logger, credentials.OperatorTokenPath, credentials.PeersWithSecrets.Count == 0 ? "none" : string.Join(", ", credentials.PeersWithSecrets.Order(StringComparer.Ordinal)));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "INSECURE (--insecure): no authentication; anyone who reaches this coordinator's port can deploy, migrate and cancel, and act as any peer cluster (hold and switch stable addresses, create and remove targets)")]
    private static partial void LogInsecure(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "operators authenticate with the token in {TokenFile}; peers with a shared secret: {Peers}")]
    private static partial void LogAuthenticating(ILogger logger, string tokenFile, string peers);
}
