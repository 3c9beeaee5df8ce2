using System.Globalization;
using Federation.V1;

namespace Federation.MigrationBench;

/// <summary>The test app as both sides run it: same image, command, env and port.</summary>
public static class AppSpecs
{
    public const int Port = 7000;

    public static IReadOnlyDictionary<string, string> Environment(BenchCase benchCase) => new Dictionary<string, string>
    {
        ["MIB"] = benchCase.MemoryMib.ToString(CultureInfo.InvariantCulture),
        ["DIRTY_KIB"] = benchCase.DirtyKibPerTick.ToString(CultureInfo.InvariantCulture),
        ["PORT"] = Port.ToString(CultureInfo.InvariantCulture),
    };

    public static AppSpec TestApp(string name, string image, BenchCase benchCase)
    {
        var spec = new AppSpec { Name = name, Image = image, Command = { "/app/testapp" }, Ports = { new PortMapping { ContainerPort = Port } } };
        foreach (var (key, value) in Environment(benchCase)) spec.Env[key] = value;
        return spec;
    }
}
