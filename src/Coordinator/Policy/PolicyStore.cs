using Federation.Coordinator.Options;
using Microsoft.Extensions.Options;

namespace Federation.Coordinator.Policy;

/// <summary>
/// Holds the policy in force. A new text (the watched file changed, or <c>fedctl policy set</c>) is checked first; a text with
/// mistakes is refused, each mistake logged on its own line and recorded as a "policy-refused" event, and the policy in force
/// stays. An accepted text set through the API is also written to the policy file (temporary file, then rename), so a restart
/// and the watcher see the same policy.
/// </summary>
public sealed partial class PolicyStore(IOptions<CoordinatorOptions> options, PolicyEvents events, TimeProvider clock, ILogger<PolicyStore> logger)
{
    private readonly Lock gate = new();
    private PolicyInForce current = new(OffloadPolicy.None, "", "default", clock.GetUtcNow());

    public PolicyInForce Current
    {
        get { lock (gate) return current; }
    }

    private string FilePath => options.Value.Policy.Path;

    /// <summary>Reads the policy file (if one is configured) and applies it; a missing or unreadable file leaves the policy in force.</summary>
    public PolicyParseResult? LoadFile()
    {
        if (FilePath.Length == 0) return null;
        string text;
        try
        {
            text = File.ReadAllText(FilePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var why = Common.ErrorMappingInterceptor.OneLine(e.Message);
            LogUnreadable(logger, FilePath, why);
            Record("policy-refused", $"policy file {FilePath} cannot be read: {why}; the policy in force stays");
            return PolicyParseResult.Refused([$"policy file {FilePath} cannot be read: {why}"]);
        }
        return Apply(text, $"file {FilePath}");
    }

    /// <summary>Checks <paramref name="text"/> and puts it in force; with mistakes, refuses it and keeps the policy in force.</summary>
    public PolicyParseResult Apply(string text, string source)
    {
        var parsed = PolicyParser.Parse(text);
        lock (gate)
        {
            if (parsed.Policy is null)
            {
                foreach (var error in parsed.Errors) LogMistake(logger, source, error);
                Record("policy-refused", $"{source}: {parsed.Errors.Count} mistake(s): {string.Join("; ", parsed.Errors)}; the policy in force stays ({current.Source})");
                return parsed;
            }
            if (text == current.Yaml && source == current.Source) return parsed;
            current = new PolicyInForce(parsed.Policy, text, source, clock.GetUtcNow());
        }
        var summary = parsed.Policy.Summary();
        LogLoaded(logger, source, summary);
        Record("policy-loaded", $"{source}: {summary}");
        return parsed;
    }

    /// <summary>What <c>fedctl policy set</c> sends: applied, and when accepted written to the policy file if one is configured.</summary>
    public PolicyParseResult Set(string text)
    {
        var parsed = Apply(text, FilePath.Length > 0 ? $"file {FilePath}" : "fedctl policy set");
        if (parsed.Policy is null || FilePath.Length == 0) return parsed;
        var temporary = FilePath + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, FilePath, overwrite: true);
        return parsed;
    }

    private void Record(string kind, string reason) => events.Add(new PolicyEvent(clock.GetUtcNow(), kind, "", options.Value.Cluster, "", reason, false));

    [LoggerMessage(Level = LogLevel.Information, Message = "policy from {Source} in force: {Summary}")]
    private static partial void LogLoaded(ILogger logger, string source, string summary);

    [LoggerMessage(Level = LogLevel.Warning, Message = "policy from {Source} refused: {Mistake}")]
    private static partial void LogMistake(ILogger logger, string source, string mistake);

    [LoggerMessage(Level = LogLevel.Warning, Message = "policy file {Path} cannot be read: {Reason}; the policy in force stays")]
    private static partial void LogUnreadable(ILogger logger, string path, string reason);
}
