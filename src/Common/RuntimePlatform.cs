using System.Text.RegularExpressions;

namespace Federation.Common;

/// <summary>How runtimes name their platform, the same way wherever it is read.</summary>
public static partial class RuntimePlatform
{
    /// <summary>The architecture as Go (and so Docker and Kubernetes) names it: "amd64", "arm64".</summary>
    public static string GoArchitecture(string? uname) => uname switch
    {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "armv7l" => "arm",
        null or "" => "",
        _ => uname,
    };

    /// <summary>
    /// The version in a tool's version line: "Docker version 26.1.5+dfsg1, build 411e817" -> "26.1.5+dfsg1",
    /// "runc version 1.1.15+ds1" -> "1.1.15+ds1", "Version: 4.2.1" -> "4.2.1". The text itself when it holds none.
    /// </summary>
    public static string Version(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return "";
        var match = VersionPattern().Match(text);
        return match.Success ? match.Value : text.Trim();
    }

    [GeneratedRegex(@"\d+\.\d+(?:\.\d+)?(?:[~+-][0-9A-Za-z.~+]*)?")]
    private static partial Regex VersionPattern();
}
