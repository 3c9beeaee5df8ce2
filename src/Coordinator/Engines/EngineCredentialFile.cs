using Federation.Common.Auth;

namespace Federation.Coordinator.Engines;

/// <summary>
/// The cluster's Engine credential, made once and kept beside the journal (readable by its owner only), so runtimes
/// started before a restart still accept the coordinator afterwards.
/// </summary>
public static class EngineCredentialFile
{
    public const string FileName = "engine-credential";

    public static string LoadOrCreate(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } existing) return existing;
        Directory.CreateDirectory(directory);
        var token = BearerToken.New();
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temporary, options))
        using (var writer = new StreamWriter(file))
            writer.Write(token);
        File.Move(temporary, path, overwrite: true);
        return token;
    }
}
