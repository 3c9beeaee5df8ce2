using System.Security.Cryptography;
using System.Text;

namespace Federation.Common.Auth;

/// <summary>Shared-secret bearer credentials on gRPC calls: made, written into a call's metadata, and compared in constant time.</summary>
public static class BearerToken
{
    public const string Header = "authorization";
    private const string Scheme = "Bearer ";

    /// <summary>A new credential: 32 random bytes, base64url.</summary>
    public static string New() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string HeaderValue(string token) => Scheme + token;

    /// <summary>True when the header carries exactly <paramref name="token"/>.</summary>
    public static bool Matches(string? header, string token)
    {
        if (header is null || !header.StartsWith(Scheme, StringComparison.Ordinal)) return false;
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Scheme.Length..]), Encoding.UTF8.GetBytes(token));
    }
}
