using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Federation.Common;

namespace Federation.SyncModule.Receiver;

/// <summary>
/// In-memory one-time tokens. A token is reserved while its manifest streams in, consumed once the
/// manifest is accepted or refused, and released again only when the stream itself broke.
/// Tokens are kept by their SHA-256, never in clear.
/// </summary>
public sealed class SyncTokenIssuer(SyncReceiverOptions options, TimeProvider time) : ISyncTokenIssuer
{
    private readonly ConcurrentDictionary<string, TokenRecord> tokens = new(StringComparer.Ordinal);

    public string IssueToken(string targetPath, TimeSpan? lifetime = null, string? tag = null)
    {
        var target = RelativePath.Normalize(targetPath, "target path");
        Sweep();
        var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        if (tag is not null) token += "." + tag;
        tokens[KeyOf(token)] = new TokenRecord(target, time.GetUtcNow() + (lifetime ?? options.DefaultTokenLifetime));
        return token;
    }

    public void RevokeToken(string token) => tokens.TryRemove(KeyOf(token), out _);

    /// <summary>Marks the token as in use and returns its target; a wrong, used or expired token is refused.</summary>
    internal string Reserve(string? token)
    {
        if (string.IsNullOrEmpty(token)) throw Denied();
        var key = KeyOf(token);
        if (!tokens.TryGetValue(key, out var record) || record.Expires < time.GetUtcNow()) throw Denied();
        lock (record)
        {
            if (record.Reserved) throw Denied();
            record.Reserved = true;
        }
        return record.Target;
    }

    internal void Consume(string token) => tokens.TryRemove(KeyOf(token), out _);

    internal void Release(string token)
    {
        if (tokens.TryGetValue(KeyOf(token), out var record)) lock (record) record.Reserved = false;
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (key, record) in tokens)
            if (record.Expires < now) tokens.TryRemove(key, out _);
    }

    private static FederationException Denied() =>
        new(FederationError.PermissionDenied, "the transfer token is unknown, already used or expired");

    private static string KeyOf(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private sealed class TokenRecord(string target, DateTimeOffset expires)
    {
        public string Target { get; } = target;
        public DateTimeOffset Expires { get; } = expires;
        public bool Reserved { get; set; }
    }
}
