namespace Federation.SyncModule.Sender;

/// <summary>
/// A file sent with a directory but read from elsewhere, in place: <paramref name="Path"/> is its place in the target
/// ('/'-separated, relative), <paramref name="FullPath"/> where the sender reads it (a live file tree, never copied first).
/// </summary>
public sealed record ExtraFile(string Path, string FullPath);
