using Federation.Adapters;
using Federation.V1;
using Google.Protobuf;
using Microsoft.Data.Sqlite;

namespace Federation.Coordinator.Journal;

/// <summary>
/// The write-ahead record of every migration (source side), every target (destination side) and where each
/// workload this cluster is home to runs (<see cref="WorkloadLocation"/>), in SQLite. The saga writes a step here before it acts, so a restarted coordinator knows what may
/// have happened. One connection, serialised: writes are few and small.
/// </summary>
public sealed class MigrationJournal : IDisposable
{
    private readonly SqliteConnection connection;
    private readonly Lock gate = new();

    public MigrationJournal(string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        Execute("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            CREATE TABLE IF NOT EXISTS migrations (
              id TEXT PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL, active INTEGER NOT NULL,
              record TEXT NOT NULL, created INTEGER NOT NULL);
            CREATE UNIQUE INDEX IF NOT EXISTS one_active_migration_per_workload ON migrations(namespace, name) WHERE active = 1;
            CREATE TABLE IF NOT EXISTS steps (
              seq INTEGER PRIMARY KEY AUTOINCREMENT, migration_id TEXT NOT NULL, step TEXT NOT NULL,
              status TEXT NOT NULL, detail TEXT NOT NULL, at INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS steps_of_migration ON steps(migration_id, seq);
            CREATE TABLE IF NOT EXISTS targets (
              migration_id TEXT PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL, source_cluster TEXT NOT NULL,
              state INTEGER NOT NULL, spec TEXT NOT NULL, last_heartbeat INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS workload_locations (
              namespace TEXT NOT NULL, name TEXT NOT NULL, cluster TEXT NOT NULL, moved_by TEXT NOT NULL, moved_from TEXT NOT NULL,
              PRIMARY KEY (namespace, name));
            CREATE TABLE IF NOT EXISTS workload_pins (
              namespace TEXT NOT NULL, name TEXT NOT NULL, pinned_at INTEGER NOT NULL, note TEXT NOT NULL,
              PRIMARY KEY (namespace, name));
            """);
    }

    /// <summary>Records a new migration and locks its workload; false when another migration holds the workload.</summary>
    public bool TryBegin(Migration migration)
    {
        lock (gate)
        {
            try
            {
                using var command = Command("INSERT INTO migrations (id, namespace, name, active, record, created) VALUES ($id, $ns, $name, 1, $record, $created)");
                command.Parameters.AddWithValue("$id", migration.Id);
                command.Parameters.AddWithValue("$ns", migration.Workload.Namespace);
                command.Parameters.AddWithValue("$name", migration.Workload.Name);
                command.Parameters.AddWithValue("$record", JsonFormatter.Default.Format(migration));
                command.Parameters.AddWithValue("$created", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                command.ExecuteNonQuery();
                return true;
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19) // SQLITE_CONSTRAINT
            {
                return false;
            }
        }
    }

    /// <summary>Stores the migration's current state; a finished one releases its workload.</summary>
    public void Save(Migration migration)
    {
        lock (gate)
        {
            using var command = Command("UPDATE migrations SET record = $record, active = $active WHERE id = $id");
            command.Parameters.AddWithValue("$id", migration.Id);
            command.Parameters.AddWithValue("$record", JsonFormatter.Default.Format(migration));
            command.Parameters.AddWithValue("$active", MigrationPhases.IsFinished(migration.Phase) ? 0 : 1);
            command.ExecuteNonQuery();
        }
    }

    public Migration? Get(string id)
    {
        lock (gate)
        {
            using var command = Command("SELECT record FROM migrations WHERE id = $id");
            command.Parameters.AddWithValue("$id", id);
            return command.ExecuteScalar() is string json ? JsonParser.Default.Parse<Migration>(json) : null;
        }
    }

    public IReadOnlyList<Migration> List(bool unfinishedOnly = false)
    {
        lock (gate)
        {
            using var command = Command("SELECT record FROM migrations" + (unfinishedOnly ? " WHERE active = 1" : "") + " ORDER BY created");
            using var reader = command.ExecuteReader();
            var list = new List<Migration>();
            while (reader.Read()) list.Add(JsonParser.Default.Parse<Migration>(reader.GetString(0)));
            return list;
        }
    }

    /// <summary>The id of the unfinished migration that holds a workload, if any.</summary>
    public string? ActiveMigrationOf(WorkloadId workload)
    {
        lock (gate)
        {
            using var command = Command("SELECT id FROM migrations WHERE namespace = $ns AND name = $name AND active = 1");
            command.Parameters.AddWithValue("$ns", workload.Namespace);
            command.Parameters.AddWithValue("$name", workload.Name);
            return command.ExecuteScalar() as string;
        }
    }

    public void AppendStep(string migrationId, string step, StepStatus status, string detail = "")
    {
        lock (gate)
        {
            using var command = Command("INSERT INTO steps (migration_id, step, status, detail, at) VALUES ($id, $step, $status, $detail, $at)");
            command.Parameters.AddWithValue("$id", migrationId);
            command.Parameters.AddWithValue("$step", step);
            command.Parameters.AddWithValue("$status", status.ToString());
            command.Parameters.AddWithValue("$detail", detail);
            command.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    public IReadOnlyList<JournalStep> Steps(string migrationId)
    {
        lock (gate)
        {
            using var command = Command("SELECT step, status, detail, at FROM steps WHERE migration_id = $id ORDER BY seq");
            command.Parameters.AddWithValue("$id", migrationId);
            using var reader = command.ExecuteReader();
            var list = new List<JournalStep>();
            while (reader.Read())
                list.Add(new JournalStep(reader.GetString(0), Enum.Parse<StepStatus>(reader.GetString(1)), reader.GetString(2),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
            return list;
        }
    }

    public void PutTarget(TargetRecord target)
    {
        lock (gate)
        {
            using var command = Command("""
                INSERT INTO targets (migration_id, namespace, name, source_cluster, state, spec, last_heartbeat)
                VALUES ($id, $ns, $name, $source, $state, $spec, $hb)
                ON CONFLICT(migration_id) DO UPDATE SET state = $state, last_heartbeat = $hb
                """);
            command.Parameters.AddWithValue("$id", target.MigrationId);
            command.Parameters.AddWithValue("$ns", target.Workload.Namespace);
            command.Parameters.AddWithValue("$name", target.Workload.Name);
            command.Parameters.AddWithValue("$source", target.SourceCluster);
            command.Parameters.AddWithValue("$state", (int)target.State);
            command.Parameters.AddWithValue("$spec", JsonFormatter.Default.Format(target.Spec));
            command.Parameters.AddWithValue("$hb", target.LastHeartbeat.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    public TargetRecord? GetTarget(string migrationId) => Targets("WHERE migration_id = $id", migrationId).FirstOrDefault();

    public IReadOnlyList<TargetRecord> ListTargets() => Targets("", null);

    private List<TargetRecord> Targets(string where, string? id)
    {
        lock (gate)
        {
            using var command = Command("SELECT migration_id, namespace, name, source_cluster, state, spec, last_heartbeat FROM targets " + where);
            if (id is not null) command.Parameters.AddWithValue("$id", id);
            using var reader = command.ExecuteReader();
            var list = new List<TargetRecord>();
            while (reader.Read())
                list.Add(new TargetRecord(reader.GetString(0), new WorkloadId(reader.GetString(1), reader.GetString(2)), reader.GetString(3),
                    (TargetState)reader.GetInt32(4), JsonParser.Default.Parse<AppSpec>(reader.GetString(5)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
            return list;
        }
    }

    /// <summary>Records where a workload this cluster is home to runs now (replacing what was known).</summary>
    public void PutLocation(WorkloadLocation location)
    {
        lock (gate)
        {
            using var command = Command("""
                INSERT INTO workload_locations (namespace, name, cluster, moved_by, moved_from) VALUES ($ns, $name, $cluster, $by, $from)
                ON CONFLICT(namespace, name) DO UPDATE SET cluster = $cluster, moved_by = $by, moved_from = $from
                """);
            command.Parameters.AddWithValue("$ns", location.Workload.Namespace);
            command.Parameters.AddWithValue("$name", location.Workload.Name);
            command.Parameters.AddWithValue("$cluster", location.Cluster);
            command.Parameters.AddWithValue("$by", location.MovedBy);
            command.Parameters.AddWithValue("$from", location.MovedFrom);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Where a workload this cluster is home to runs; null when this cluster never deployed or switched it.</summary>
    public WorkloadLocation? GetLocation(WorkloadId workload)
    {
        lock (gate)
        {
            using var command = Command("SELECT cluster, moved_by, moved_from FROM workload_locations WHERE namespace = $ns AND name = $name");
            command.Parameters.AddWithValue("$ns", workload.Namespace);
            command.Parameters.AddWithValue("$name", workload.Name);
            using var reader = command.ExecuteReader();
            return reader.Read() ? new WorkloadLocation(workload, reader.GetString(0), reader.GetString(1), reader.GetString(2)) : null;
        }
    }

    /// <summary>Every workload this cluster is home to, with where it runs now.</summary>
    public IReadOnlyList<WorkloadLocation> ListLocations()
    {
        lock (gate)
        {
            using var command = Command("SELECT namespace, name, cluster, moved_by, moved_from FROM workload_locations ORDER BY namespace, name");
            using var reader = command.ExecuteReader();
            var list = new List<WorkloadLocation>();
            while (reader.Read())
                list.Add(new WorkloadLocation(new WorkloadId(reader.GetString(0), reader.GetString(1)), reader.GetString(2), reader.GetString(3), reader.GetString(4)));
            return list;
        }
    }

    /// <summary>Pins a workload by hand (replacing an earlier pin of it): no policy moves it until it is unpinned.</summary>
    public void PutPin(WorkloadPin pin)
    {
        lock (gate)
        {
            using var command = Command("""
                INSERT INTO workload_pins (namespace, name, pinned_at, note) VALUES ($ns, $name, $at, $note)
                ON CONFLICT(namespace, name) DO UPDATE SET pinned_at = $at, note = $note
                """);
            command.Parameters.AddWithValue("$ns", pin.Workload.Namespace);
            command.Parameters.AddWithValue("$name", pin.Workload.Name);
            command.Parameters.AddWithValue("$at", pin.PinnedAt.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$note", pin.Note);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Removes a workload's pin; false when it had none.</summary>
    public bool RemovePin(WorkloadId workload)
    {
        lock (gate)
        {
            using var command = Command("DELETE FROM workload_pins WHERE namespace = $ns AND name = $name");
            command.Parameters.AddWithValue("$ns", workload.Namespace);
            command.Parameters.AddWithValue("$name", workload.Name);
            return command.ExecuteNonQuery() > 0;
        }
    }

    /// <summary>Every pinned workload, by namespace and name.</summary>
    public IReadOnlyList<WorkloadPin> ListPins()
    {
        lock (gate)
        {
            using var command = Command("SELECT namespace, name, pinned_at, note FROM workload_pins ORDER BY namespace, name");
            using var reader = command.ExecuteReader();
            var list = new List<WorkloadPin>();
            while (reader.Read())
                list.Add(new WorkloadPin(new WorkloadId(reader.GetString(0), reader.GetString(1)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetString(3)));
            return list;
        }
    }

    private SqliteCommand Command(string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private void Execute(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    public void Dispose() => connection.Dispose();
}
