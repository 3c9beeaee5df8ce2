namespace Federation.Adapters;

public enum WorkloadRole
{
    /// <summary>Runs the app and serves its clients.</summary>
    Active,

    /// <summary>A passive migration target, waiting for its restore.</summary>
    Target,
}
