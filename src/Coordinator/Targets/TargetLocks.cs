using Federation.Common;

namespace Federation.Coordinator.Targets;

/// <summary>
/// One lock per migration on the destination: a commit and an abort (or the reaper) of the same target never
/// interleave, so an abort answers only once no restore of that migration is running, and a commit never restores
/// a target whose abort has begun.
/// </summary>
public sealed class TargetLocks : KeyedLocks;
