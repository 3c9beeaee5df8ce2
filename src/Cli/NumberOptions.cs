using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Federation.Cli;

/// <summary>
/// fedctl's numeric options, parsed here rather than by System.CommandLine's converter: a value that is not a whole
/// number, overflows or is outside the option's range is a parse error that names the option and the value
/// ("--port '70000' is out of range (1 to 65535)"), printed as one line with exit code 2 (bad input) like every
/// other parse error. Every numeric option of fedctl is made here.
/// </summary>
public static class NumberOptions
{
    /// <summary>An optional whole number from <paramref name="min"/> to <paramref name="max"/>; null when the option is not given.</summary>
    public static Option<uint?> Optional(string name, string description, uint min = 0, uint max = uint.MaxValue) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            if (result.Tokens.Count != 1)
            {
                result.AddError($"{OptionName(result)} takes one value");
                return null;
            }
            return TryParse(result, result.Tokens[0], min, max, out var value) ? (uint)value : null;
        },
    };

    /// <summary>Port numbers (1 to 65535), as many as given, several per token allowed.</summary>
    public static Option<uint[]> Ports(string name, string alias, string description) => new(name, alias)
    {
        Description = description,
        AllowMultipleArgumentsPerToken = true,
        CustomParser = result =>
        {
            var ports = new List<uint>();
            foreach (var token in result.Tokens)
            {
                if (!TryParse(result, token, 1, ushort.MaxValue, out var port)) return [];
                ports.Add((uint)port);
            }
            return [.. ports];
        },
    };

    /// <summary>The token's value; false, with the error added to the result, when it is not a whole number in range.</summary>
    private static bool TryParse(ArgumentResult result, Token token, ulong min, ulong max, out ulong value)
    {
        var text = token.Value.Trim();
        var digits = text.StartsWith('+') || text.StartsWith('-') ? text[1..] : text;
        string? error;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)) error = "is not a whole number";
        else if (text.StartsWith('-') && digits.Any(d => d != '0')) error = $"is out of range ({min} to {max})";
        else if (!ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value) || value < min || value > max) error = $"is out of range ({min} to {max})";
        else return true;
        value = 0;
        result.AddError($"{OptionName(result)} '{token.Value}' {error}");
        return false;
    }

    private static string OptionName(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
