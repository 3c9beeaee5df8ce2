using Federation;
using Federation.Adapters.Relay.Hosting;

// The relay process: the stable addresses of one cluster, outside its coordinator's process. Configured through
// FEDERATION_RELAY_DIR (control socket and routes), FEDERATION_RELAY_MAX_HOLD (seconds a hold lasts at most) and
// FEDERATION_RELAY_MAX_CONNECTIONS (open connections per listener).
try
{
    await RelayServer.RunAsync(RelaySettings.FromEnvironment(), CancellationToken.None);
    return 0;
}
catch (FederationException e)
{
    Console.Error.WriteLine($"federation-relay: {e.Message}");
    return 2;
}
