using System.Globalization;

namespace Federation.MigrationBench;

/// <summary>The command line (see <see cref="Usage"/>).</summary>
public sealed class BenchOptions
{
    public const string Usage = """
        usage: MigrationBench [--quick] [--reps N] [--cases headline,memory,dirty,slow,volume,postcopy] [--memory-mib 16,128,512,1024]
                              [--dirty-mibps 0,1,16,64] [--precopy-rounds N] [--out DIR] [--coordinator DLL]
          --quick           one repetition of the headline case (128 MiB, ~1 MiB/s): a smoke run
          --reps N          repetitions per case, ours and the baseline interleaved (default 5)
          --cases LIST      which case groups (default all four)
          --memory-mib      the memory sweep's sizes at ~1 MiB/s (default 16,128,512,1024)
          --dirty-mibps     the dirty-rate sweep's rates at 128 MiB (default 0,1,16,64)
          --precopy-rounds  our pre-copy rounds (default 2)
          --out DIR         where migration.md and the plots go (default bench/results of the repository)
          --coordinator     federation-coordinator.dll (default src/CoordinatorHost/bin/Release/net10.0 of the repository)
        environment: FEDERATION_RUNTIME_IMAGE, FEDERATION_TESTAPP_IMAGE (what scripts/setup.sh prints)
        """;

    private static readonly string[] AllGroups = ["headline", "memory", "dirty", "slow", "volume", "postcopy"];

    public int Reps { get; private init; } = 5;
    public bool Quick { get; private init; }
    public IReadOnlyList<string> Groups { get; private init; } = AllGroups;
    public IReadOnlyList<int> MemoryMib { get; private init; } = [16, 128, 512, 1024];
    public IReadOnlyList<int> DirtyMibPerSecond { get; private init; } = [0, 1, 16, 64];
    public uint PrecopyRounds { get; private init; } = 2;
    public required string OutputDirectory { get; init; }
    public required string CoordinatorDll { get; init; }
    public required string RuntimeImage { get; init; }
    public required string AppImage { get; init; }

    public static readonly BenchCase Headline = new(128, 1, SlowLink: false);

    /// <exception cref="BenchException">An unknown option or a bad value.</exception>
    public static BenchOptions Parse(string[] args, string repository)
    {
        var values = new Dictionary<string, string>();
        var quick = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--quick") { quick = true; continue; }
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length ||
                args[i] is not ("--reps" or "--cases" or "--memory-mib" or "--dirty-mibps" or "--precopy-rounds" or "--out" or "--coordinator"))
                throw new BenchException($"unknown option or missing value: '{args[i]}'");
            values[args[i]] = args[++i];
        }
        var groups = values.TryGetValue("--cases", out var cases) ? cases.Split(',', StringSplitOptions.RemoveEmptyEntries) : AllGroups;
        if (groups.FirstOrDefault(g => !AllGroups.Contains(g)) is { } unknown)
            throw new BenchException($"unknown case group '{unknown}' (known: {string.Join(", ", AllGroups)})");
        return new BenchOptions
        {
            Quick = quick,
            Reps = quick ? 1 : Number(values, "--reps", 5, 1, 100),
            Groups = quick ? ["headline"] : groups,
            MemoryMib = Numbers(values, "--memory-mib", [16, 128, 512, 1024], 1, 8192),
            DirtyMibPerSecond = Numbers(values, "--dirty-mibps", [0, 1, 16, 64], 0, 1024),
            PrecopyRounds = (uint)Number(values, "--precopy-rounds", 2, 0, 20),
            OutputDirectory = Path.GetFullPath(values.GetValueOrDefault("--out") ?? Path.Combine(repository, "bench", "results")),
            CoordinatorDll = Path.GetFullPath(values.GetValueOrDefault("--coordinator") ??
                Path.Combine(repository, "src", "CoordinatorHost", "bin", "Release", "net10.0", "federation-coordinator.dll")),
            RuntimeImage = Environment.GetEnvironmentVariable("FEDERATION_RUNTIME_IMAGE") is { Length: > 0 } runtime ? runtime
                : throw new BenchException("FEDERATION_RUNTIME_IMAGE is not set (run: eval \"$(scripts/setup.sh)\")"),
            AppImage = Environment.GetEnvironmentVariable("FEDERATION_TESTAPP_IMAGE") is { Length: > 0 } app ? app
                : throw new BenchException("FEDERATION_TESTAPP_IMAGE is not set (run: eval \"$(scripts/setup.sh)\")"),
        };
    }

    /// <summary>The groups asked for, in report order.</summary>
    public IReadOnlyList<CaseGroup> CaseGroups()
    {
        var list = new List<CaseGroup>();
        foreach (var group in AllGroups.Where(Groups.Contains))
        {
            list.Add(group switch
            {
                "headline" => new CaseGroup("headline", [Headline]),
                "memory" => new CaseGroup("memory sweep", MemoryMib.Select(m => new BenchCase(m, 1, false)).ToList()),
                "dirty" => new CaseGroup("dirty-rate sweep", DirtyMibPerSecond.Select(d => new BenchCase(128, d, false)).ToList()),
                "volume" => new CaseGroup("volume (ours only: the baseline carries no volumes)", [Headline, Headline with { WriterOnly = true }, Headline with { VolumeMib = 1024 }]),
                "postcopy" => new CaseGroup("post-copy (lazy pages) beside pre-copy", [Headline, Headline with { PostCopy = true }]),
                _ => new CaseGroup("slow link (100 Mbit/s, 20 ms RTT where the kernel has netem)", [Headline with { SlowLink = true }]),
            });
        }
        return list;
    }

    private static int Number(Dictionary<string, string> values, string name, int fallback, int min, int max)
    {
        if (!values.TryGetValue(name, out var text)) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw new BenchException($"{name} must be a whole number from {min} to {max}, not '{text}'");
        return n;
    }

    private static List<int> Numbers(Dictionary<string, string> values, string name, List<int> fallback, int min, int max)
    {
        if (!values.TryGetValue(name, out var text)) return fallback;
        var list = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
                throw new BenchException($"{name} takes numbers from {min} to {max} separated by commas, not '{text}'");
            list.Add(n);
        }
        return list.Count > 0 ? list : throw new BenchException($"{name} is empty");
    }
}
