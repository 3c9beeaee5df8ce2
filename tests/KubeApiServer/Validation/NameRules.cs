using System.Net;
using System.Text.RegularExpressions;

namespace Federation.Tests.Kube.Validation;

/// <summary>The name and label rules of Kubernetes' apimachinery validation, with its messages.</summary>
public static partial class NameRules
{
    private const string Dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string Dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?";
    private const string QualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";

    [GeneratedRegex("^" + Dns1123LabelFmt + "$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^" + Dns1123LabelFmt + "(\\." + Dns1123LabelFmt + ")*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^" + Dns1035LabelFmt + "$")]
    private static partial Regex Dns1035Label();

    [GeneratedRegex("^" + QualifiedNameFmt + "$")]
    private static partial Regex QualifiedNamePart();

    [GeneratedRegex("^(" + QualifiedNameFmt + ")?$")]
    private static partial Regex LabelValue();

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigMapKey();

    [GeneratedRegex("^[-._a-zA-Z][-._a-zA-Z0-9]*$")]
    private static partial Regex EnvVarName();

    [GeneratedRegex("^[a-z0-9]([a-z0-9-]*[a-z0-9])*$")]
    private static partial Regex IanaSvcName();

    [GeneratedRegex("[a-z]")]
    private static partial Regex HasLetter();

    /// <summary>Messages for a DNS-1123 label (63 characters at most), empty when valid.</summary>
    public static IEnumerable<string> Label(string value)
    {
        if (value.Length > 63)
        {
            yield return "must be no more than 63 characters";
        }
        if (!Dns1123Label().IsMatch(value))
        {
            yield return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '" + Dns1123LabelFmt + "')";
        }
    }

    /// <summary>Messages for a DNS-1123 subdomain (253 characters at most), empty when valid.</summary>
    public static IEnumerable<string> Subdomain(string value)
    {
        if (value.Length > 253)
        {
            yield return "must be no more than 253 characters";
        }
        if (!Dns1123Subdomain().IsMatch(value))
        {
            yield return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '" + Dns1123LabelFmt + "(\\." + Dns1123LabelFmt + ")*')";
        }
    }

    /// <summary>Messages for a DNS-1035 label (service names), empty when valid.</summary>
    public static IEnumerable<string> Dns1035(string value)
    {
        if (value.Length > 63)
        {
            yield return "must be no more than 63 characters";
        }
        if (!Dns1035Label().IsMatch(value))
        {
            yield return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '" + Dns1035LabelFmt + "')";
        }
    }

    /// <summary>Messages for a path segment name (RBAC objects), empty when valid.</summary>
    public static IEnumerable<string> PathSegment(string value)
    {
        if (value is "." or "..")
        {
            yield return $"may not be '{value}'";
        }
        if (value.Contains('/', StringComparison.Ordinal) || value.Contains('%', StringComparison.Ordinal))
        {
            yield return "may not contain '/' or '%'";
        }
    }

    /// <summary>Messages for a label or annotation key: an optional DNS subdomain prefix and a name.</summary>
    public static IEnumerable<string> QualifiedName(string value)
    {
        var parts = value.Split('/');
        var name = parts[^1];
        if (parts.Length > 2)
        {
            yield return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
            yield break;
        }
        if (parts.Length == 2)
        {
            if (parts[0].Length == 0)
            {
                yield return "prefix part must be non-empty";
            }
            else
            {
                foreach (var message in Subdomain(parts[0]))
                {
                    yield return "prefix part " + message;
                }
            }
        }
        if (name.Length == 0)
        {
            yield return "name part must be non-empty";
        }
        else if (name.Length > 63)
        {
            yield return "name part must be no more than 63 characters";
        }
        else if (!QualifiedNamePart().IsMatch(name))
        {
            yield return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
        }
    }

    /// <summary>Messages for a label value, empty when valid.</summary>
    public static IEnumerable<string> LabelValueMessages(string value)
    {
        if (value.Length > 63)
        {
            yield return "must be no more than 63 characters";
        }
        if (!LabelValue().IsMatch(value))
        {
            yield return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
        }
    }

    public static IEnumerable<string> ConfigKey(string value)
    {
        if (value.Length > 253)
        {
            yield return "must be no more than 253 characters";
        }
        if (!ConfigMapKey().IsMatch(value))
        {
            yield return "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
        }
    }

    public static IEnumerable<string> EnvName(string value)
    {
        if (!EnvVarName().IsMatch(value))
        {
            yield return "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";
        }
    }

    /// <summary>Messages for a port name (IANA service name), empty when valid.</summary>
    public static IEnumerable<string> PortName(string value)
    {
        if (value.Length > 15)
        {
            yield return "must be no more than 15 characters";
        }
        if (!IanaSvcName().IsMatch(value))
        {
            yield return "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)";
        }
        else if (value.Contains("--", StringComparison.Ordinal))
        {
            yield return "must not contain consecutive hyphens";
        }
        if (!HasLetter().IsMatch(value))
        {
            yield return "must contain at least one letter (a-z)";
        }
    }

    public static IEnumerable<string> PortNumber(int port)
    {
        if (port is < 1 or > 65535)
        {
            yield return "must be between 1 and 65535, inclusive";
        }
    }

    public static bool IsIPv4(string value) =>
        IPAddress.TryParse(value, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && value.Count(c => c == '.') == 3;
}
