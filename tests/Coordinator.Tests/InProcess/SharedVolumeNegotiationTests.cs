using Federation.Coordinator.Targets;
using Federation.V1;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>A shared volume is never copied: a destination whose offer does not reach that storage refuses the move with one line.</summary>
[TestFixture]
public sealed class SharedVolumeNegotiationTests
{
    private static AppSpec Spec()
    {
        var spec = new AppSpec { Name = "files", Image = "federation/testapp:1" };
        spec.Volumes.Add(new VolumeMount { Name = "common", ContainerPath = "/shared", Shared = true });
        spec.Volumes.Add(new VolumeMount { Name = "own", ContainerPath = "/own" });
        return spec;
    }

    [Test]
    public void A_destination_without_the_shared_storage_refuses_the_move()
    {
        var offer = new FakeAdapter().Offer with { Images = ["federation/testapp:1"] };
        var reasons = CompatibilityCheck.Refusals(offer.Runtime, offer, Spec(), 0);
        Assert.That(reasons, Is.EqualTo(new[]
        {
            "shared volume 'common' is not in this cluster's shared storage (it is never copied: the destination must reach the same storage)",
        }));
    }

    [Test]
    public void A_destination_that_reaches_the_shared_storage_accepts_it_and_copied_volumes_need_nothing()
    {
        var offer = new FakeAdapter().Offer with { Images = ["federation/testapp:1"], SharedVolumes = ["common"] };
        Assert.That(CompatibilityCheck.Refusals(offer.Runtime, offer, Spec(), 0), Is.Empty);
    }
}
