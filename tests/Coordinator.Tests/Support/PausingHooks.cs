using Federation.Coordinator.Saga;

namespace Federation.Coordinator.Tests.Support;

/// <summary>
/// A coordinator's migration hooks for fault tests: armed at one point, the first migration that reaches it stops
/// there until the test releases it (or the coordinator is killed under it), so a fault lands at an exact phase.
/// </summary>
public sealed class PausingHooks : MigrationHooks
{
    private Pause? armed;

    public Pause Arm(string point)
    {
        var pause = new Pause(point);
        Volatile.Write(ref armed, pause);
        return pause;
    }

    public void Disarm() => Volatile.Write(ref armed, null);

    public override async Task ReachedAsync(string point, string migrationId, CancellationToken ct)
    {
        var pause = Volatile.Read(ref armed);
        if (pause is null || pause.Point != point || Interlocked.CompareExchange(ref armed, null, pause) != pause) return;
        pause.Reach(migrationId);
        await pause.WaitForReleaseAsync(ct);
    }
}
