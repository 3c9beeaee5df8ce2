using Federation.Coordinator.Journal;
using Federation.V1;

namespace Federation.Coordinator.Saga;

/// <summary>An operator's cancel: the running saga rolls back at its next step; a migration that has committed can only finish.</summary>
public sealed class MigrationCancellation(MigrationQueries queries, MigrationJournal journal, MigrationRunner runner)
{
    public Migration Cancel(string id)
    {
        var migration = queries.Get(id);
        if (MigrationPhases.IsFinished(migration.Phase))
            throw FederationException.FailedPrecondition($"migration {id} has already ended ({MigrationPhases.Display(migration.Phase)})");
        if (journal.Steps(id).Any(s => s.Step == SagaSteps.Commit))
            throw FederationException.FailedPrecondition($"migration {id} has committed: it can only finish now");
        if (!runner.RequestCancel(id))
            throw FederationException.FailedPrecondition($"migration {id} is being recovered: it will end by itself");
        migration.CancelRequested = true;
        return migration;
    }
}
