namespace Federation.Tests.Marathon.State;

/// <summary>
/// One running deployment of one app: it ends when the app's tasks match its definition and pass their health checks (or,
/// for a deletion, are gone). <see cref="Previous"/> is the app before the change (null for a new app): what a rollback restores.
/// </summary>
public sealed record Deployment(string Id, string Version, string AppId, IReadOnlyList<string> Actions, AppRecord? Previous);
