using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Federation.Common.Auth;
using Federation.V1;

namespace Federation.Common.Images;

/// <summary>
/// The registry half of an adapter's settings (Docker host, Kubernetes), bound from the same <c>Coordinator:Adapter</c>
/// keys (command line: <c>--registry</c>, <c>--registry-ca</c>, <c>--registry-credentials</c>, <c>--registry-pull-timeout</c>):
/// checked at start, one line per mistake (<see cref="RegistryProblems"/>), and turned into <see cref="RegistryPulls"/>.
/// Each adapter decides when its runtimes pull at all (its image source).
/// </summary>
public abstract partial class RegistryPullSettings
{
    /// <summary>The registry (host[:port]) the CA and credentials below are for; empty: every image's registry.</summary>
    public string Registry { get; set; } = "";

    /// <summary>A PEM file of the CA the registry's certificate chains to; empty: the runtime's trusted roots.</summary>
    public string RegistryCaFile { get; set; } = "";

    /// <summary>A file holding "username:password" for the registry, readable by the coordinator only; empty: anonymous pulls.</summary>
    public string RegistryCredentialsFile { get; set; } = "";

    /// <summary>Longest time one image pull may take.</summary>
    public TimeSpan RegistryPullTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>What is wrong with the registry settings, one line each (the switch named); empty when they can be used.</summary>
    public IEnumerable<string> RegistryProblems()
    {
        if (Registry.Length > 0 && !RegistryHost().IsMatch(Registry))
            yield return $"adapter registry '{Names.Shorten(Registry)}' is not a host[:port] (--registry)";
        if (RegistryCaFile.Length > 0 && CaProblem(RegistryCaFile) is { } ca) yield return ca;
        if (RegistryCredentialsFile.Length > 0 && CredentialsProblem(RegistryCredentialsFile) is { } credentials) yield return credentials;
        if (RegistryPullTimeout <= TimeSpan.Zero || RegistryPullTimeout > TimeSpan.FromHours(1))
            yield return "adapter registry pull timeout must be above zero and at most an hour (--registry-pull-timeout)";
    }

    /// <summary>The registry's CA and credentials read from their files; call once <see cref="RegistryProblems"/> found none.</summary>
    public RegistryPulls ToRegistryPulls() => new()
    {
        Registry = Registry.Length > 0 ? Registry : null,
        CaPem = RegistryCaFile.Length > 0 ? File.ReadAllText(RegistryCaFile) : null,
        Credentials = RegistryCredentialsFile.Length > 0 ? CredentialsOf(SecretFile.TryRead(RegistryCredentialsFile, out _) ?? "") : null,
        Timeout = RegistryPullTimeout,
    };

    private static string? CaProblem(string path)
    {
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(path);
            var count = certificates.Count;
            foreach (var certificate in certificates) certificate.Dispose();
            return count > 0 ? null : $"adapter registry CA file {path} holds no PEM certificate (--registry-ca)";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CryptographicException)
        {
            return $"adapter registry CA file {path} cannot be used (--registry-ca): {e.Message.ReplaceLineEndings(" ").TrimEnd('.')}";
        }
    }

    private static string? CredentialsProblem(string path)
    {
        var secret = SecretFile.TryRead(path, out var problem);
        if (secret is null) return $"adapter registry credentials file {path} {problem} (--registry-credentials)";
        return CredentialsOf(secret) is null ? $"adapter registry credentials file {path} does not hold 'username:password' (--registry-credentials)" : null;
    }

    private static RegistryCredentials? CredentialsOf(string secret)
    {
        var colon = secret.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == secret.Length - 1 || secret.Contains('\n')) return null;
        return new RegistryCredentials { Username = secret[..colon], Password = secret[(colon + 1)..] };
    }

    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(?::[0-9]{1,5})?$")]
    private static partial Regex RegistryHost();
}
