using Federation.Coordinator.Saga;
using Federation.V1;

namespace Federation.Coordinator.Tests.InProcess;

[TestFixture]
public sealed class PostCopyChoiceTests
{
    private static Migration Asked(bool postCopy) => new() { Options = new MigrationOptions { PostCopy = postCopy } };

    private static readonly AppSpec One = new() { Name = "shop", Image = "testapp" };

    private static readonly DescribeResponse RuncSource = new() { CheckpointMethod = CheckpointMethod.Runc };

    private static readonly PrepareTargetResponse LazyTarget = new() { LazyPagesPossible = true, Node = "b-1" };

    [Test]
    public void Post_copy_runs_only_when_asked_for_and_both_runtimes_can()
    {
        Assert.Multiple(() =>
        {
            Assert.That(PostCopyChoice.Decide(Asked(true), One, RuncSource, LazyTarget, out var why), Is.True);
            Assert.That(why, Is.Null);
            Assert.That(PostCopyChoice.Decide(Asked(false), One, RuncSource, LazyTarget, out why), Is.False);
            Assert.That(why, Is.Null, "not asked for: nothing to explain");
            Assert.That(PostCopyChoice.Decide(new Migration(), One, RuncSource, LazyTarget, out why), Is.False);
        });
    }

    [Test]
    public void A_move_that_cannot_run_post_copy_says_why()
    {
        var pod = new AppSpec { Name = "web", Containers = { new AppContainer { Name = "a", Image = "x" }, new AppContainer { Name = "b", Image = "y" } } };
        Assert.Multiple(() =>
        {
            Assert.That(PostCopyChoice.Decide(Asked(true), pod, RuncSource, LazyTarget, out var why), Is.False);
            Assert.That(why, Does.Contain("2 containers"));
            Assert.That(PostCopyChoice.Decide(Asked(true), One, new DescribeResponse { CheckpointMethod = CheckpointMethod.Docker }, LazyTarget, out why), Is.False);
            Assert.That(why, Does.Contain("runc"));
            Assert.That(PostCopyChoice.Decide(Asked(true), One, RuncSource, new PrepareTargetResponse { Node = "b-1" }, out why), Is.False);
            Assert.That(why, Does.Contain("node 'b-1'").And.Contain("uffd"));
        });
    }
}
