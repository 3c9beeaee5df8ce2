namespace Federation.Coordinator.Policy;

/// <summary>A policy, or the mistakes (one line each) that kept the text from being one.</summary>
public sealed record PolicyParseResult(OffloadPolicy? Policy, IReadOnlyList<string> Errors)
{
    public static PolicyParseResult Ok(OffloadPolicy policy) => new(policy, []);

    public static PolicyParseResult Refused(IReadOnlyList<string> errors) => new(null, errors);
}
