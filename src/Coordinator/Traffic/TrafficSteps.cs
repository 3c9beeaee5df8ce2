namespace Federation.Coordinator.Traffic;

/// <summary>Journal steps of the home cluster, which holds a stable address for a migration that runs elsewhere.</summary>
public static class TrafficSteps
{
    public const string Hold = "home-hold-traffic";
    public const string Switch = "home-switch-traffic";
    public const string Release = "home-release-traffic";
}
