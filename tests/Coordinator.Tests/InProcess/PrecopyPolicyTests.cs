using Federation.Coordinator.Saga;
using Federation.V1;

namespace Federation.Coordinator.Tests.InProcess;

public sealed class PrecopyPolicyTests
{
    private static readonly PrecopyPolicy Policy = new(Rounds: 4, ConvergeBytes: 1 << 20, ShrinkRatio: 0.8);

    [Test]
    public void Stops_when_converged_limited_or_no_longer_shrinking()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Policy.StopReason(Sent(100 << 20)), Is.Null);
            Assert.That(Policy.StopReason(Sent(100 << 20, 512 << 10)), Is.EqualTo("converged"));
            Assert.That(Policy.StopReason(Sent(100 << 20, 10 << 20, 9 << 20)), Is.EqualTo("stopped shrinking"));
            Assert.That(Policy.StopReason(Sent(100 << 20, 50 << 20, 20 << 20, 8 << 20)), Is.EqualTo("round limit"));
            Assert.That(new PrecopyPolicy(0, 1, 0.8).StopReason([]), Is.EqualTo("stop-and-copy"));
        });
    }

    [Test]
    public void Pre_dumps_only_where_both_sides_track_dirty_memory()
    {
        Assert.That(PrecopyPolicy.ModeFor(3, preDumpPossible: true), Is.EqualTo(PrecopyMode.PreDumps));
        Assert.That(PrecopyPolicy.ModeFor(3, preDumpPossible: false), Is.EqualTo(PrecopyMode.LeaveRunningDumps));
        Assert.That(PrecopyPolicy.ModeFor(0, preDumpPossible: true), Is.EqualTo(PrecopyMode.StopAndCopy));
    }

    private static List<RoundStats> Sent(params ulong[] bytes) => bytes.Select((b, i) => new RoundStats { Round = (uint)i + 1, BytesSent = b }).ToList();
}
