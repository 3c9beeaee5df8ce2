using Polly;
using Polly.Retry;

namespace Federation.Common.Retry;

/// <summary>
/// The project's retry and poll pipelines (Polly): exponential delays with jitter, so a crowd of callers
/// that failed together does not retry together. Attempts are bounded by count or by the caller's token.
/// </summary>
public static class Backoff
{
    /// <summary>
    /// The delay before attempt <paramref name="attempt"/> + 1 of a hand-written retry loop: doubling from
    /// <paramref name="first"/> up to <paramref name="max"/>, then spread by a random factor of 0.5 to 1.5.
    /// </summary>
    public static TimeSpan Delay(int attempt, TimeSpan first, TimeSpan max)
    {
        var doubled = first * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30));
        var capped = doubled < max ? doubled : max;
        return capped * (0.5 + Random.Shared.NextDouble());
    }

    /// <summary>Retries a call while <paramref name="retryable"/> says so, up to <paramref name="attempts"/> in all.</summary>
    /// <param name="onRetry">Told the exception and the attempt number (1 for the first failure) before each delay.</param>
    public static ResiliencePipeline Retry(int attempts, TimeSpan firstDelay, TimeSpan maxDelay, Func<Exception, bool> retryable,
        Func<Exception, int, ValueTask>? onRetry = null) =>
        new ResiliencePipelineBuilder().AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = Math.Max(0, attempts - 1),
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = firstDelay,
            MaxDelay = maxDelay,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && retryable(e)),
            OnRetry = args => onRetry is null || args.Outcome.Exception is null ? ValueTask.CompletedTask : onRetry(args.Outcome.Exception, args.AttemptNumber + 1),
        }).Build();

    /// <summary>
    /// Polls until a check returns null (done); a non-null result is why not yet, and polling goes on,
    /// ever less often (up to <paramref name="maxDelay"/>), until the caller's token ends it.
    /// </summary>
    public static ResiliencePipeline<string?> Poll(TimeSpan firstDelay, TimeSpan maxDelay, Func<Exception, bool> retryable) =>
        new ResiliencePipelineBuilder<string?>().AddRetry(new RetryStrategyOptions<string?>
        {
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = firstDelay,
            MaxDelay = maxDelay,
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e ? retryable(e) : args.Outcome.Result is not null),
        }).Build();
}
