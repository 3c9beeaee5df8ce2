namespace Federation.Tests.Kube.Resources;

/// <summary>What strategies need from the server: the flavor, address allocation and the clock.</summary>
public sealed class StrategyContext(FlavorProfile profile, ServiceAddressAllocator addresses)
{
    public FlavorProfile Profile { get; } = profile;
    public ServiceAddressAllocator Addresses { get; } = addresses;

    /// <summary>Now, at the seconds precision of metadata timestamps.</summary>
    public static DateTime Now
    {
        get
        {
            var now = DateTime.UtcNow;
            return new DateTime(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
        }
    }
}
