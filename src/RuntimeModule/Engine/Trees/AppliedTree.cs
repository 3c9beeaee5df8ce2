namespace Federation.RuntimeModule.Engine.Trees;

/// <summary>
/// The destination's one tree per app, <c>&lt;checkpoint volume&gt;/&lt;app&gt;/.fs/</c> (<c>rootfs</c>, <c>volumes/&lt;name&gt;</c>),
/// and the round it is at (<c>.fs/applied</c>: empty while a round is being applied, so a torn apply is never taken
/// for a complete one).
/// </summary>
public static class AppliedTree
{
    public const string DirectoryName = ".fs";
    private const string AppliedFile = "applied";

    public static string Root(CheckpointVolume volume, string app) => Path.Combine(volume.AppDirectory(app), DirectoryName);

    public static string At(string root)
    {
        var path = Path.Combine(root, AppliedFile);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : "";
    }

    public static void Mark(string root, string checkpoint)
    {
        Directory.CreateDirectory(root);
        var path = Path.Combine(root, AppliedFile);
        File.WriteAllText(path + ".tmp", checkpoint);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
