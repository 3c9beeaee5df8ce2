using Federation.Common.Auth;

namespace Federation.Coordinator.Engines;

/// <summary>
/// The cluster's Engine credential, made once and kept beside the journal (readable by its owner only), so runtimes
/// started before a restart still accept the coordinator afterwards.
/// </summary>
public static class EngineCredentialFile
{
    public const string FileName = "engine-credential";

    public static string LoadOrCreate(string directory) => SecretFile.LoadOrCreate(Path.Combine(directory, FileName));
}
