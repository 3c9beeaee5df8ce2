using Federation.Coordinator.Saga;
using Federation.V1;

namespace Federation.Coordinator.Tests.InProcess;

[TestFixture]
public sealed class PostCopyChoiceTests
{
    private static readonly AppSpec One = new() { Name = "shop", Image = "testapp" };

    private static readonly DescribeResponse RuncSource = new() { CheckpointMethod = CheckpointMethod.Runc };

    private static readonly PrepareTargetResponse LazyTarget = new() { LazyPagesPossible = true, Node = "b-1" };

    [Test]
    public void Post_copy_is_possible_for_one_container_a_runc_source_and_a_destination_that_restores_lazily()
    {
        var pod = new AppSpec { Name = "web", Containers = { new AppContainer { Name = "a", Image = "x" }, new AppContainer { Name = "b", Image = "y" } } };
        Assert.Multiple(() =>
        {
            Assert.That(PostCopyChoice.Impossible(One, RuncSource, LazyTarget), Is.Null);
            Assert.That(PostCopyChoice.Impossible(pod, RuncSource, LazyTarget), Does.Contain("2 containers"));
            Assert.That(PostCopyChoice.Impossible(One, new DescribeResponse { CheckpointMethod = CheckpointMethod.Docker }, LazyTarget), Does.Contain("runc"));
            Assert.That(PostCopyChoice.Impossible(One, RuncSource, new PrepareTargetResponse { Node = "b-1" }), Does.Contain("node 'b-1'").And.Contain("uffd"));
        });
    }

    [Test]
    public void On_runs_post_copy_where_possible_and_says_why_not_elsewhere()
    {
        Assert.Multiple(() =>
        {
            Assert.That(PostCopyChoice.Decide(PostCopyMode.On, null, "converged", 1 << 20, out var why), Is.True);
            Assert.That(why, Is.Null);
            Assert.That(PostCopyChoice.Decide(PostCopyMode.On, "the workload has 2 containers", "stop-and-copy", 0, out why), Is.False);
            Assert.That(why, Is.EqualTo("post-copy is not possible (the workload has 2 containers): the memory moves before the freeze instead"));
            Assert.That(PostCopyChoice.Decide(PostCopyMode.Off, null, "round limit", 100 << 20, out why), Is.False);
            Assert.That(why, Is.Null, "off: nothing to explain");
        });
    }

    [Test]
    public void Auto_runs_post_copy_only_when_pre_copy_did_not_converge_and_says_why_either_way()
    {
        Assert.Multiple(() =>
        {
            Assert.That(PostCopyChoice.Decide(PostCopyMode.Auto, null, "converged", 1 << 20, out var why), Is.False);
            Assert.That(why, Is.EqualTo("post-copy not needed: pre-copy converged (its last round sent 1.0 MiB)"));
            Assert.That(PostCopyChoice.Decide(PostCopyMode.Auto, null, "round limit", 120 << 20, out why), Is.True);
            Assert.That(why, Is.EqualTo("pre-copy did not converge (round limit; its last round sent 120.0 MiB): the final round runs post-copy"));
            Assert.That(PostCopyChoice.Decide(PostCopyMode.Auto, null, "stopped shrinking", 90 << 20, out why), Is.True);
            Assert.That(PostCopyChoice.Decide(PostCopyMode.Auto, null, "stop-and-copy", 0, out why), Is.True);
            Assert.That(why, Is.EqualTo("there is no pre-copy round: the final round runs post-copy"));
            Assert.That(PostCopyChoice.Decide(PostCopyMode.Auto, "the destination cannot", "round limit", 120 << 20, out why), Is.False);
            Assert.That(why, Does.EndWith("but post-copy is not possible (the destination cannot): the final round carries the memory"));
        });
    }
}
