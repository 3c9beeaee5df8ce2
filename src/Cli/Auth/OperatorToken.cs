using Federation.Cli.Config;
using Federation.Common;
using Federation.Common.Auth;

namespace Federation.Cli.Auth;

/// <summary>
/// The operator token fedctl presents to a coordinator (<c>authorization: Bearer</c>), from the first of: the --token-file
/// option, the FEDCTL_TOKEN environment variable, the cluster entry's <c>token-file</c>. None: calls go without one (what a
/// coordinator started with --insecure accepts).
/// </summary>
/// <param name="Value">The token; null when none is configured.</param>
/// <param name="Source">What was sent, for error messages ("the token from token-file '/x' of cluster 'a'", "no token").</param>
public sealed record OperatorToken(string? Value, string Source)
{
    public const string EnvironmentVariable = "FEDCTL_TOKEN";

    /// <exception cref="CliException">A token file is missing, empty or unreadable (exit code 3).</exception>
    public static OperatorToken For(ClusterEntry cluster, string? tokenFileOption)
    {
        if (!string.IsNullOrEmpty(tokenFileOption)) return FromFile(tokenFileOption, $"--token-file '{Names.Printable(tokenFileOption)}'");
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { } fromEnvironment && fromEnvironment.Trim().Length > 0)
            return new OperatorToken(fromEnvironment.Trim(), $"the token from ${EnvironmentVariable}");
        if (!string.IsNullOrEmpty(cluster.TokenFile))
            return FromFile(cluster.TokenFile, $"token-file '{Names.Printable(cluster.TokenFile)}' of cluster '{Names.Printable(cluster.Name)}'");
        return new OperatorToken(null, "no token");
    }

    private static OperatorToken FromFile(string path, string file) =>
        new(SecretFile.TryRead(path, out var problem) ?? throw new CliException(ExitCodes.Config, $"{file} {problem}"), $"the token from {file}");
}
