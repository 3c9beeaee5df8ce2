using Federation.Common;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// One lock per app for the calls that decide on its generation or its frozen state (Fence, Restore, Resume,
/// the start of a checkpoint), so that none of them acts on what another is about to change.
/// </summary>
public sealed class AppLocks : KeyedLocks;
