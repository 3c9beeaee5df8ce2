using Federation.Common;
using Federation.V1;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// The checkpoint volume: <c>&lt;root&gt;/&lt;app&gt;/&lt;checkpoint&gt;/</c> holds CRIU's images plus the
/// app spec; <c>&lt;root&gt;/&lt;app&gt;/.work-&lt;checkpoint&gt;/</c> holds CRIU's logs while the dump runs, and
/// stays behind when the dump never ended (its Engine died). Every path handed out is checked to stay inside the root.
/// </summary>
public sealed class CheckpointVolume(RuntimeModuleOptions options)
{
    /// <summary>Written into every checkpoint so a runtime that never saw the app can restore it.</summary>
    public const string SpecFileName = "federation-app.json";

    public string Root { get; } = Path.GetFullPath(options.CheckpointDirectory);

    public string AppDirectory(string app)
    {
        Names.CheckAppName(app);
        return Inside(Path.Combine(Root, app));
    }

    public string CheckpointDirectory(string app, string checkpoint)
    {
        Names.CheckCheckpointName(checkpoint);
        return Inside(Path.Combine(AppDirectory(app), checkpoint));
    }

    public static string RelativeDirectory(string app, string checkpoint) => $"{app}/{checkpoint}";

    /// <summary>The sub-checkpoint of one container of a workload of several: a directory of the checkpoint named after it.</summary>
    public static string ContainerDirectory(string checkpointDirectory, string container)
    {
        Names.CheckAppName(container, "container name");
        return Path.Combine(checkpointDirectory, container);
    }

    private const string WorkPrefix = ".work-";

    /// <summary>Where a runc dump keeps CRIU's work files (logs, stats) until it ends.</summary>
    public string WorkDirectory(string app, string checkpoint)
    {
        Names.CheckCheckpointName(checkpoint);
        return Inside(Path.Combine(AppDirectory(app), WorkPrefix + checkpoint));
    }

    /// <summary>
    /// Checkpoints of the app whose dump started and never ended: their work directory is still there. Only
    /// meaningful while no checkpoint of the app runs (a running dump has one too).
    /// </summary>
    public IReadOnlyList<string> UnfinishedDumps(string app)
    {
        var dir = new DirectoryInfo(AppDirectory(app));
        if (!dir.Exists) return [];
        return dir.EnumerateDirectories(WorkPrefix + "*").Select(d => d.Name[WorkPrefix.Length..]).Where(IsCheckpointName).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Removes what an unfinished dump left: its work directory and its incomplete checkpoint.</summary>
    public void DeleteUnfinishedDump(string app, string checkpoint)
    {
        FileTree.TryDelete(CheckpointDirectory(app, checkpoint));
        FileTree.TryDelete(WorkDirectory(app, checkpoint));
    }

    public static IReadOnlyList<CheckpointFile> ListFiles(string directory)
    {
        var root = new DirectoryInfo(directory);
        return root.EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(f => new CheckpointFile
            {
                Path = Path.GetRelativePath(root.FullName, f.FullName).Replace('\\', '/'),
                Size = (ulong)f.Length,
            })
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
    }

    public IReadOnlyList<CheckpointInfo> List(string app)
    {
        var dir = new DirectoryInfo(AppDirectory(app));
        if (!dir.Exists) return [];
        return dir.EnumerateDirectories()
            .Where(d => !d.Name.StartsWith('.'))
            .Select(d =>
            {
                var files = ListFiles(d.FullName);
                return new CheckpointInfo
                {
                    Checkpoint = d.Name,
                    FileCount = (uint)files.Count,
                    TotalBytes = (ulong)files.Sum(f => (long)f.Size),
                    CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(d.CreationTimeUtc),
                };
            })
            .OrderBy(c => c.CreatedAt)
            .ToList();
    }

    /// <summary>Deletes one checkpoint of the app; not found when it is not in the volume.</summary>
    public bool Delete(string app, string checkpoint)
    {
        var directory = CheckpointDirectory(app, checkpoint);
        if (!Directory.Exists(directory)) throw FederationException.NotFound($"checkpoint '{checkpoint}' of app '{app}' does not exist");
        Directory.Delete(directory, recursive: true);
        return true;
    }

    private static bool IsCheckpointName(string name)
    {
        try
        {
            Names.CheckCheckpointName(name);
            return true;
        }
        catch (FederationException)
        {
            return false;
        }
    }

    private string Inside(string path)
    {
        var full = Path.GetFullPath(path);
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw FederationException.InvalidArgument("path leaves the checkpoint volume");
        return full;
    }
}
