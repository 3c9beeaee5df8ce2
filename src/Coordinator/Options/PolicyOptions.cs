namespace Federation.Coordinator.Options;

/// <summary>Where the offload/balance policy comes from and how often it is evaluated (Coordinator:Policy).</summary>
public sealed class PolicyOptions
{
    /// <summary>The policy file (YAML), loaded at start and watched for changes (--policy); empty: no file, no policy until <c>fedctl policy set</c>.</summary>
    public string Path { get; set; } = "";

    /// <summary>How often the cluster's signals are sampled and the policy evaluated.</summary>
    public TimeSpan EvaluationInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// A decision that was refused (the migration's start, or the peer asked to send a workload home) is tried again when the
    /// policy still makes it this long after the refusal; a decision that was carried out is not repeated while it stands.
    /// </summary>
    public TimeSpan RetryRefusedAfter { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The weight of the newest reading in each workload's smoothed CPU and memory use (an exponentially weighted moving
    /// average): 1 keeps only the newest, smaller values smooth more.
    /// </summary>
    public double UsageSmoothing { get; set; } = 0.3;

    /// <summary>A change of the file is read once it has been quiet this long.</summary>
    public TimeSpan ReloadDebounce { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Samples kept per signal series (the oldest go first).</summary>
    public int SamplesKept { get; set; } = 720;

    /// <summary>Policy events kept for <c>fedctl policy explain</c> (the oldest go first).</summary>
    public int EventsKept { get; set; } = 200;
}
