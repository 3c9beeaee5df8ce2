namespace Federation.Coordinator.Hosting;

/// <summary>Short command-line switches for the usual settings; any other setting is --Coordinator:Section:Key=value.</summary>
public static class CommandLineSwitches
{
    public static readonly Dictionary<string, string> Map = new(StringComparer.Ordinal)
    {
        ["--cluster"] = "Coordinator:Cluster",
        ["--port"] = "Coordinator:ListenPort",
        ["--journal"] = "Coordinator:JournalPath",
        ["--runtime-image"] = "Coordinator:Adapter:RuntimeImage",
        ["--name-prefix"] = "Coordinator:Adapter:NamePrefix",
        ["--state-dir"] = "Coordinator:Adapter:StateDirectory",
        ["--max-workloads"] = "Coordinator:Adapter:MaxWorkloads",
    };
}
