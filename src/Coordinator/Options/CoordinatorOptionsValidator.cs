using Federation.Common;
using Federation.Common.Auth;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Options;

/// <summary>Checks the configuration at start, so a bad one stops the coordinator with the reason.</summary>
/// <param name="kinds">The adapter kinds the host registered.</param>
public sealed class CoordinatorOptionsValidator(IEnumerable<Adapters.AdapterKind> kinds) : IValidateOptions<CoordinatorOptions>
{
    public ValidateOptionsResult Validate(string? name, CoordinatorOptions options)
    {
        var failures = new List<string>();
        Check(failures, () => Names.CheckAppName(options.Cluster, "cluster name"));
        if (options.ListenPort is < 0 or > 65535) failures.Add($"listen port {options.ListenPort} is out of range");
        if (!System.Net.IPAddress.TryParse(options.ListenAddress, out var ip))
            failures.Add($"listen address '{options.ListenAddress}' is not an IP address");
        else if (!System.Net.IPAddress.IsLoopback(ip) && !(options.Tls.Enabled && options.Tls.MutualTls))
            failures.Add($"listen address '{options.ListenAddress}' must be a loopback address unless mutual TLS is on (--tls-cert with --client-ca)");
        if (!options.Tls.Enabled && options.Tls.MutualTls) failures.Add("a client CA (--client-ca) needs a server certificate (--tls-cert)");
        if (!options.Tls.Enabled && options.Tls.Key.Length > 0) failures.Add("a TLS key (--tls-key) needs its certificate (--tls-cert)");
        if (options.PeerTls.ClientCertificate.Length == 0 && options.PeerTls.ClientKey.Length > 0)
            failures.Add("a peer client key (--peer-key) needs its certificate (--peer-cert)");
        if (string.IsNullOrWhiteSpace(options.JournalPath)) failures.Add("journal path is empty");
        foreach (var (peer, address) in options.Peers)
        {
            Check(failures, () => Names.CheckAppName(peer, "peer name"));
            if (peer == options.Cluster) failures.Add($"peer '{peer}' has this cluster's own name");
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                failures.Add($"peer '{peer}' address '{address}' is not an http(s) URL");
        }
        CheckCredentials(failures, options);
        var known = kinds.Select(k => k.Name).Distinct().Order(StringComparer.Ordinal).ToList();
        var kind = options.Adapter.KindAmong(kinds);
        if (known.Count == 0) failures.Add("no adapter is registered in this coordinator host");
        else if (kind.Length == 0) failures.Add($"adapter kind is empty: choose one with --adapter ({string.Join(", ", known)})");
        else if (!known.Contains(kind)) failures.Add($"adapter kind '{kind}' is not supported ({string.Join(", ", known)})");
        if (options.Migration.MaxPrecopyRounds > 100) failures.Add("max pre-copy rounds is above 100");
        if (options.Migration.TransferAttempts < 1) failures.Add("transfer attempts must be at least 1");
        if (options.Membership.HeartbeatInterval <= TimeSpan.Zero) failures.Add("membership heartbeat interval must be positive");
        if (options.Membership.CallTimeout <= TimeSpan.Zero) failures.Add("membership call timeout must be positive");
        if (options.Membership.UnreachableAfter <= options.Membership.HeartbeatInterval)
            failures.Add($"membership unreachable-after ({options.Membership.UnreachableAfter}) must be longer than the heartbeat interval ({options.Membership.HeartbeatInterval})");
        if (options.Policy.EvaluationInterval <= TimeSpan.Zero) failures.Add("policy evaluation interval must be positive");
        if (options.Policy.UsageSmoothing is not (> 0 and <= 1)) failures.Add("policy usage smoothing must be above 0 and at most 1");
        if (options.Policy.RetryRefusedAfter < TimeSpan.Zero) failures.Add("policy retry-refused-after must not be negative");
        if (options.Policy.ReloadDebounce < TimeSpan.Zero || options.Policy.ReloadDebounce > TimeSpan.FromMinutes(1)) failures.Add("policy reload debounce must be between 0 and 1 minute");
        if (options.Policy.SamplesKept is < 2 or > 100_000) failures.Add("policy samples kept must be between 2 and 100000");
        if (options.Policy.EventsKept is < 1 or > 100_000) failures.Add("policy events kept must be between 1 and 100000");
        if (options.MetricsPort is < 0 or > 65535) failures.Add($"metrics port {options.MetricsPort} is out of range");
        else if (options.MetricsPort is { } metrics && metrics != 0 && metrics == options.ListenPort) failures.Add($"metrics port {metrics} is the listen port");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every peer has its shared secret (unless --insecure), every secret belongs to a peer, and every credential file can be read.</summary>
    private static void CheckCredentials(List<string> failures, CoordinatorOptions options)
    {
        if (!options.Insecure)
        {
            foreach (var peer in options.Peers.Keys.Where(p => !options.PeerSecrets.ContainsKey(p)).Order(StringComparer.Ordinal))
                failures.Add($"peer '{peer}' has no shared secret: set --peer-secret {peer}=FILE (Coordinator:PeerSecrets:{peer}), or run with --insecure");
        }
        foreach (var (peer, path) in options.PeerSecrets)
        {
            if (!options.Peers.ContainsKey(peer)) failures.Add($"a secret is set for '{Names.Escape(peer, 64)}', which is not a configured peer (Coordinator:Peers)");
            else if (SecretFile.TryRead(path, out var problem) is null) failures.Add($"the secret file of peer '{peer}' ('{Names.Escape(path, 200)}') {problem}");
        }
        if (options.OperatorTokenFile.Length > 0 && SecretFile.TryRead(options.OperatorTokenFile, out var tokenProblem) is null)
            failures.Add($"the operator token file (--operator-token-file '{Names.Escape(options.OperatorTokenFile, 200)}') {tokenProblem}");
    }

    private static void Check(List<string> failures, Action check)
    {
        try { check(); }
        catch (FederationException e) { failures.Add(e.Message); }
    }
}
