using System.CommandLine;
using Federation.V1;

namespace Federation.Cli;

/// <summary>The NAMESPACE/NAME argument of the commands that name a workload; a bare NAME means namespace default.</summary>
public static class WorkloadArgument
{
    public const string DefaultNamespace = "default";

    public static Argument<string> Create() => new("workload") { Description = "NAMESPACE/NAME (a bare NAME means namespace default)" };

    /// <exception cref="CliException">The text is not NAME or NAMESPACE/NAME (exit code 2).</exception>
    public static WorkloadRef Parse(string? text)
    {
        var parts = (text ?? "").Split('/');
        if (parts.Length > 2 || parts.Any(p => p.Length == 0)) throw new CliException(ExitCodes.Usage, $"workload '{text}' is not NAMESPACE/NAME");
        return parts.Length == 2 ? new WorkloadRef { Namespace = parts[0], Name = parts[1] } : new WorkloadRef { Namespace = DefaultNamespace, Name = parts[0] };
    }
}
