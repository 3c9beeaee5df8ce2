using Federation.Adapters;
using Federation.Common;
using Federation.Common.Auth;
using Federation.Coordinator.Options;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Auth;

/// <summary>
/// What this coordinator's callers must present: the operator token (kept in <see cref="OperatorTokenPath"/>, made at the
/// first start unless --operator-token-file names one) and, per configured peer, the secret both clusters share, which
/// this coordinator's own calls to that peer carry too. The validator has checked the files before this is built.
/// </summary>
public sealed class CoordinatorCredentials
{
    private readonly Dictionary<string, string> peerSecrets;

    public CoordinatorCredentials(IOptions<CoordinatorOptions> options, ClusterContext cluster)
    {
        var settings = options.Value;
        Insecure = settings.Insecure;
        OperatorTokenPath = settings.OperatorTokenFile.Length > 0 ? settings.OperatorTokenFile : DefaultOperatorTokenPath(cluster.StateDirectory, settings.Cluster);
        OperatorToken = settings.OperatorTokenFile.Length > 0 ? Read(settings.OperatorTokenFile, "the operator token file") : SecretFile.LoadOrCreate(OperatorTokenPath);
        peerSecrets = settings.PeerSecrets.ToDictionary(p => p.Key, p => Read(p.Value, $"the secret file of peer '{p.Key}'"), StringComparer.Ordinal);
    }

    /// <summary>--insecure: nobody is asked for a credential.</summary>
    public bool Insecure { get; }

    public string OperatorToken { get; }

    public string OperatorTokenPath { get; }

    /// <summary>The peers that have a shared secret, by name.</summary>
    public IReadOnlyCollection<string> PeersWithSecrets => peerSecrets.Keys;

    /// <summary>The secret shared with <paramref name="peer"/>; null for a cluster that is not a peer with a secret.</summary>
    public string? SecretOf(string peer) => peerSecrets.GetValueOrDefault(peer);

    /// <summary>Where the operator token is kept when no file is configured: beside the journal, named after the cluster.</summary>
    public static string DefaultOperatorTokenPath(string stateDirectory, string cluster) => Path.Combine(stateDirectory, $"operator-token-{cluster}");

    private static string Read(string path, string what) =>
        SecretFile.TryRead(path, out var problem) ?? throw new InvalidOperationException($"{what} ('{Names.Escape(path, 200)}') {problem}");
}
