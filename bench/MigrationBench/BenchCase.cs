using System.Globalization;

namespace Federation.MigrationBench;

/// <summary>
/// One measured configuration: app memory, dirty rate, and whether the runtimes sit behind the emulated slow link.
/// The sweeps share points (the headline is the memory sweep's 128 MiB and the dirty-rate sweep's 1 MiB/s point): equal cases are measured once.
/// </summary>
public sealed record BenchCase(int MemoryMib, int DirtyMibPerSecond, bool SlowLink)
{
    /// <summary>The test app's DIRTY_KIB: KiB rewritten every 10 ms tick (1 MiB/s = about 10).</summary>
    /// <summary>MiB of files in a named volume at /data, filled before the move and rewritten at about 1 MiB/s (0: no volume).</summary>
    public int VolumeMib { get; init; }

    /// <summary>
    /// The volume case's processes without its volume: the same shell and writer loop, writing to /dev/null, so that the
    /// volume case is compared with the same process tree (the issue's "same workload without the volume").
    /// </summary>
    public bool WriterOnly { get; init; }

    /// <summary>Our move runs post-copy (lazy pages, no pre-copy round): the memory follows the restore.</summary>
    public bool PostCopy { get; init; }

    public int DirtyKibPerTick => (int)Math.Round(DirtyMibPerSecond * 1024 / 100.0);

    public string Label => string.Create(CultureInfo.InvariantCulture,
        $"{MemoryMib} MiB, {DirtyMibPerSecond} MiB/s{(SlowLink ? ", slow link" : "")}{(VolumeMib > 0 ? $", {VolumeMib} MiB volume written at 1 MiB/s" : "")}{(WriterOnly ? ", its writer without a volume" : "")}{(PostCopy ? ", post-copy" : "")}");

    public override string ToString() => Label;
}
