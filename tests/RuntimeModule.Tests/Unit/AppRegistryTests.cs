using Federation.RuntimeModule.Engine;
using Federation.V1;

namespace Federation.RuntimeModule.Tests.Unit;

[TestFixture]
public sealed class AppRegistryTests
{
    private string root = null!;
    private AppRegistry registry = null!;

    [SetUp]
    public void CreateVolume()
    {
        root = Directory.CreateTempSubdirectory("fed-registry-").FullName;
        registry = new AppRegistry(new RuntimeModuleOptions { StateDirectory = root });
    }

    [TearDown]
    public void DeleteVolume() => Directory.Delete(root, recursive: true);

    private static AppSpec Spec(string name) => new() { Name = name, Image = "federation/testapp:1" };

    [Test]
    public async Task A_record_written_before_generations_reads_as_generation_0_never_fenced()
    {
        Directory.CreateDirectory(Path.Combine(root, "apps"));
        await File.WriteAllTextAsync(Path.Combine(root, "apps", "old.json"),
            """{"spec":{"name":"old","image":"federation/testapp:1"},"startMode":"Active","checkpointedAway":true,"restoredFrom":"final"}""");

        var record = await registry.GetAsync("old", CancellationToken.None);

        Assert.That(record, Is.EqualTo(new AppRecord(Spec("old"), StartMode.Active, CheckpointedAway: true, RestoredFrom: "final", Generation: 0, FencedBelow: 0)));
        Assert.That(await registry.FencedBelowAsync("old", CancellationToken.None), Is.Zero);
    }

    [Test]
    public async Task Generation_and_fence_survive_a_new_registry_on_the_same_volume()
    {
        var written = new AppRecord(Spec("cart"), StartMode.Passive, CheckpointedAway: false, RestoredFrom: "m1-final", Generation: 7, FencedBelow: ulong.MaxValue - 1);
        await registry.PutAsync(written, CancellationToken.None);

        // What an Engine started again on the runtime's volume reads.
        var again = new AppRegistry(new RuntimeModuleOptions { StateDirectory = root });
        Assert.That(await again.GetAsync("cart", CancellationToken.None), Is.EqualTo(written));
        Assert.That((await again.ListAsync(CancellationToken.None)).Single(), Is.EqualTo(written));
    }

    [Test]
    public async Task A_failure_is_kept_and_an_update_of_a_removed_app_writes_nothing()
    {
        await registry.PutAsync(new AppRecord(Spec("cart"), StartMode.Passive, false, "lazy-1"), CancellationToken.None);
        await registry.UpdateIfPresentAsync("cart", r => r with { Failure = "post-copy restore lost its pages" }, CancellationToken.None);
        var again = new AppRegistry(new RuntimeModuleOptions { StateDirectory = root });
        Assert.That((await again.GetAsync("cart", CancellationToken.None))!.Failure, Is.EqualTo("post-copy restore lost its pages"));

        await registry.DeleteAsync("cart", CancellationToken.None);
        await registry.UpdateIfPresentAsync("cart", r => r with { CheckpointedAway = false }, CancellationToken.None);
        Assert.That(await registry.GetAsync("cart", CancellationToken.None), Is.Null, "a removed app stays removed");
    }

    [Test]
    public async Task An_update_changes_the_record_as_it_is_on_disk()
    {
        await registry.PutAsync(new AppRecord(Spec("cart"), StartMode.Active, false, "", Generation: 2, FencedBelow: 0), CancellationToken.None);
        var stale = await registry.GetAsync("cart", CancellationToken.None);
        await registry.UpdateAsync("cart", r => r! with { FencedBelow = 3 }, CancellationToken.None);

        // A writer holding an older copy (a checkpoint marking the app moved away) keeps the fence set since.
        await registry.UpdateAsync("cart", r => (r ?? stale!) with { CheckpointedAway = true }, CancellationToken.None);

        var record = await registry.GetAsync("cart", CancellationToken.None);
        Assert.That(record, Is.EqualTo(new AppRecord(Spec("cart"), StartMode.Active, CheckpointedAway: true, RestoredFrom: "", Generation: 2, FencedBelow: 3)));
    }

    [Test]
    public async Task A_removed_app_leaves_its_fence_behind_and_nothing_else()
    {
        await registry.PutAsync(new AppRecord(Spec("fenced"), StartMode.Active, false, "", Generation: 4, FencedBelow: 5), CancellationToken.None);
        await registry.PutAsync(new AppRecord(Spec("plain"), StartMode.Active, false, ""), CancellationToken.None);

        await registry.DeleteAsync("fenced", CancellationToken.None);
        await registry.DeleteAsync("plain", CancellationToken.None);

        Assert.Multiple(async () =>
        {
            Assert.That(await registry.GetAsync("fenced", CancellationToken.None), Is.Null);
            Assert.That(await registry.ListAsync(CancellationToken.None), Is.Empty, "removed apps are not listed");
            Assert.That(await registry.FencedBelowAsync("fenced", CancellationToken.None), Is.EqualTo(5UL));
            Assert.That(await registry.FencedBelowAsync("plain", CancellationToken.None), Is.Zero);
            Assert.That(await new AppRegistry(new RuntimeModuleOptions { StateDirectory = root }).FencedBelowAsync("fenced", CancellationToken.None),
                Is.EqualTo(5UL), "kept on the volume");
        });
    }
}
