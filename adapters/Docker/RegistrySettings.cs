using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Federation.Common.Auth;
using Federation.V1;

namespace Federation.Adapters.Docker;

/// <summary>The registry half of <see cref="DockerHostSettings"/>: checked at start (one line per mistake) and turned into <see cref="RegistryPulls"/>.</summary>
public static partial class RegistrySettings
{
    public static IEnumerable<string> Problems(DockerHostSettings settings)
    {
        if (!Enum.TryParse<ImageSource>(settings.ImageSource, ignoreCase: true, out var source) || !Enum.IsDefined(source))
        {
            yield return $"adapter image source '{Common.Names.Shorten(settings.ImageSource)}' is neither 'host' nor 'registry' (--image-source)";
            yield break;
        }
        if (source != ImageSource.Registry) yield break;
        if (settings.Registry.Length > 0 && !RegistryHost().IsMatch(settings.Registry))
            yield return $"adapter registry '{Common.Names.Shorten(settings.Registry)}' is not a host[:port] (--registry)";
        if (settings.RegistryCaFile.Length > 0 && CaProblem(settings.RegistryCaFile) is { } ca) yield return ca;
        if (settings.RegistryCredentialsFile.Length > 0 && CredentialsProblem(settings.RegistryCredentialsFile) is { } credentials) yield return credentials;
        if (settings.RegistryPullTimeout <= TimeSpan.Zero || settings.RegistryPullTimeout > TimeSpan.FromHours(1))
            yield return "adapter registry pull timeout must be above zero and at most an hour";
    }

    /// <summary>Null for the host source; the registry's CA and credentials read from their files for the registry source.</summary>
    public static RegistryPulls? PullsOf(DockerHostSettings settings)
    {
        if (!Enum.TryParse<ImageSource>(settings.ImageSource, ignoreCase: true, out var source) || source != ImageSource.Registry) return null;
        return new RegistryPulls
        {
            Registry = settings.Registry.Length > 0 ? settings.Registry : null,
            CaPem = settings.RegistryCaFile.Length > 0 ? File.ReadAllText(settings.RegistryCaFile) : null,
            Credentials = settings.RegistryCredentialsFile.Length > 0 ? CredentialsOf(SecretFile.TryRead(settings.RegistryCredentialsFile, out _) ?? "") : null,
            Timeout = settings.RegistryPullTimeout,
        };
    }

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
