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
        if (benchCase.VolumeMib > 0)
        {
            // Filled with 1 MiB files of random bytes, then one of 64 of them rewritten every second (bounded: one hour).
            spec.Volumes.Add(new VolumeMount { Name = name + "-data", ContainerPath = "/data" });
            spec.Command.Clear();
            var fill = benchCase.VolumeMib.ToString(CultureInfo.InvariantCulture);
            spec.Command.AddRange(["/bin/sh", "-c",
                "i=0; while [ $i -lt " + fill + " ]; do dd if=/dev/urandom of=/data/fill-$i bs=1048576 count=1 2>/dev/null || exit 1; i=$((i+1)); done; " +
                "(j=0; while [ $j -lt 3600 ]; do dd if=/dev/urandom of=/data/w-$((j % 64)) bs=1048576 count=1 2>/dev/null; j=$((j+1)); sleep 1; done) & " +
                "exec /app/testapp"]);
        }
        else if (benchCase.WriterOnly)
        {
            spec.Command.Clear();
            spec.Command.AddRange(["/bin/sh", "-c",
                "(j=0; while [ $j -lt 3600 ]; do dd if=/dev/urandom of=/dev/null bs=1048576 count=1 2>/dev/null; j=$((j+1)); sleep 1; done) & " +
                "exec /app/testapp"]);
        }
        return spec;
    }
}
