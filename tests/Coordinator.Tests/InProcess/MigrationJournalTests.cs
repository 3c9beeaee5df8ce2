using Federation.Adapters;
using Federation.Coordinator.Journal;
using Federation.V1;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>The journal: one unfinished migration per workload, steps in order, targets upserted, all surviving a reopen.</summary>
[TestFixture]
public sealed class MigrationJournalTests
{
    private string path = "";

    [SetUp]
    public void NewFile() => path = Path.Combine(Path.GetTempPath(), $"fedtest-journal-{Guid.NewGuid():N}.db");

    [TearDown]
    public void RemoveFile()
    {
        foreach (var f in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*")) File.Delete(f);
    }

    [Test]
    public void A_workload_has_at_most_one_unfinished_migration()
    {
        using var journal = new MigrationJournal(path);
        var first = NewMigration("m1");
        Assert.That(journal.TryBegin(first), Is.True);
        Assert.That(journal.TryBegin(NewMigration("m2")), Is.False, "the workload is locked by m1");
        Assert.That(journal.ActiveMigrationOf(new WorkloadId("default", "shop")), Is.EqualTo("m1"));

        first.Phase = MigrationPhase.RolledBack;
        journal.Save(first);
        Assert.That(journal.ActiveMigrationOf(new WorkloadId("default", "shop")), Is.Null, "a finished migration releases the workload");
        Assert.That(journal.TryBegin(NewMigration("m3")), Is.True);
    }

    [Test]
    public void Steps_and_unfinished_migrations_survive_a_reopen()
    {
        using (var journal = new MigrationJournal(path))
        {
            var m = NewMigration("m1");
            m.Phase = MigrationPhase.Precopy;
            journal.TryBegin(m);
            journal.Save(m);
            journal.AppendStep("m1", "prepare-target", StepStatus.Begun);
            journal.AppendStep("m1", "prepare-target", StepStatus.Done, "http://x");
            journal.AppendStep("m1", "commit", StepStatus.Begun);
        }
        using var reopened = new MigrationJournal(path);
        Assert.That(reopened.List(unfinishedOnly: true).Select(m => (m.Id, m.Phase)), Is.EqualTo(new[] { ("m1", MigrationPhase.Precopy) }));
        Assert.That(reopened.Steps("m1").Select(s => $"{s.Step}:{s.Status}"), Is.EqualTo(new[] { "prepare-target:Begun", "prepare-target:Done", "commit:Begun" }));
    }

    [Test]
    public void Targets_are_upserted()
    {
        using var journal = new MigrationJournal(path);
        var target = new TargetRecord("m1", new WorkloadId("default", "shop"), "a", TargetState.Prepared, new AppSpec { Name = "shop", Image = "app:1" }, DateTimeOffset.UtcNow);
        journal.PutTarget(target);
        journal.PutTarget(target with { State = TargetState.Committed });
        Assert.That(journal.ListTargets().Single().State, Is.EqualTo(TargetState.Committed));
        Assert.That(journal.GetTarget("m1")!.Spec.Image, Is.EqualTo("app:1"));
    }

    private static Migration NewMigration(string id) => new()
    {
        Id = id,
        Workload = new V1.WorkloadRef { Namespace = "default", Name = "shop" },
        SourceCluster = "a",
        DestinationCluster = "b",
        Phase = MigrationPhase.Negotiate,
    };
}
