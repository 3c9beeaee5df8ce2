using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Federation.Adapters.Mesos;

/// <summary>
/// The Marathon app ids the adapter uses: runtimes <c>{group}/runtimes/{namespace}/{name}-{suffix}</c> (8 hex digits: of the
/// migration for a passive target, random for a deploy), relay apps <c>{group}/addresses/{namespace}/{name}</c>.
/// </summary>
public static partial class AppIds
{
    /// <summary>An absolute Marathon group: segments of lowercase letters, digits, '-' and '.', not starting or ending with '-'.</summary>
    public static bool IsGroup(string? group) => group is { Length: > 1 } && group[0] == '/' && !group.EndsWith('/')
        && group[1..].Split('/').All(s => Segment().IsMatch(s));

    public static string Runtime(string group, WorkloadId id, string suffix) => $"{group}/runtimes/{id.Namespace}/{id.Name}-{suffix}";

    public static string TargetSuffix(string migrationId) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(migrationId)))[..8];

    public static string DeploySuffix() => Guid.NewGuid().ToString("N")[..8];

    public static string Address(string group, WorkloadId id) => $"{group}/addresses/{id.Namespace}/{id.Name}";

    [GeneratedRegex("^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])$")]
    private static partial Regex Segment();
}
