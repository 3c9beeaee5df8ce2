using Federation.RuntimeModule.Engine;

namespace Federation.RuntimeModule.Tests.Unit;

[TestFixture]
public sealed class FreezerCgroupTests
{
    private const string Id = "b41e18bfa969a7335e9fb159ba7372e55a6936d344491f84d032e51a4df8ccd7";

    [Test]
    public void Runc_state_of_a_hybrid_host_names_the_v1_freezer_and_the_unified_cgroup()
    {
        // As runc 1.1 writes it (trimmed) on a cgroup v1 host with the unified hierarchy mounted.
        var state = $$$"""
            {"id":"{{{Id}}}","init_process_pid":165,"cgroup_paths":{"":"/sys/fs/cgroup/unified/docker/{{{Id}}}","cpu":"/sys/fs/cgroup/cpu/docker/{{{Id}}}",
             "freezer":"/sys/fs/cgroup/freezer/docker/{{{Id}}}","memory":"/sys/fs/cgroup/memory/docker/{{{Id}}}"}}
            """;
        Assert.That(FreezerCgroup.FromRuncState(state), Is.EqualTo(new[]
        {
            new FreezerCgroup($"/sys/fs/cgroup/freezer/docker/{Id}", Unified: false),
            new FreezerCgroup($"/sys/fs/cgroup/unified/docker/{Id}", Unified: true),
        }));
    }

    [Test]
    public void Runc_state_of_a_v2_host_names_one_cgroup() =>
        Assert.That(FreezerCgroup.FromRuncState($$$"""{"id":"x","cgroup_paths":{"":"/sys/fs/cgroup/docker/{{{Id}}}"}}"""),
            Is.EqualTo(new[] { new FreezerCgroup($"/sys/fs/cgroup/docker/{Id}", Unified: true) }));

    [Test]
    public void Runc_state_without_cgroups_names_none() =>
        Assert.That(FreezerCgroup.FromRuncState("""{"id":"x"}"""), Is.Empty);

    [Test]
    public void Proc_cgroup_of_a_hybrid_host_places_the_v1_freezer_and_the_unified_cgroup()
    {
        var text = $"9:name=systemd:/docker/{Id}\n6:freezer:/docker/{Id}\n4:memory:/docker/{Id}\n0::/docker/{Id}\n";
        Assert.That(FreezerCgroup.FromProcCgroup(text, "/sys/fs/cgroup", hybrid: true), Is.EqualTo(new[]
        {
            new FreezerCgroup($"/sys/fs/cgroup/freezer/docker/{Id}", Unified: false),
            new FreezerCgroup($"/sys/fs/cgroup/unified/docker/{Id}", Unified: true),
        }));
    }

    [Test]
    public void Proc_cgroup_of_a_v2_host_places_the_one_cgroup() =>
        Assert.That(FreezerCgroup.FromProcCgroup($"0::/docker/{Id}\n", "/sys/fs/cgroup", hybrid: false),
            Is.EqualTo(new[] { new FreezerCgroup($"/sys/fs/cgroup/docker/{Id}", Unified: true) }));

    [Test]
    public void Proc_cgroup_outside_the_readers_namespace_cannot_be_placed() =>
        Assert.That(FreezerCgroup.FromProcCgroup($"0::/../../docker/{Id}\n", "/sys/fs/cgroup", hybrid: false), Is.Empty);
}
