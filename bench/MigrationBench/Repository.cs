namespace Federation.MigrationBench;

/// <summary>The repository's root: the first directory up from the benchmark (or the working directory) holding Federation.sln.</summary>
public static class Repository
{
    public static string Root()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Federation.sln"))) return dir.FullName;
            }
        }
        return Environment.CurrentDirectory;
    }
}
