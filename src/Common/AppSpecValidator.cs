using Federation.V1;

namespace Federation.Common;

/// <summary>
/// Refuses an app spec Docker would reject or misread, or one too large to hand to a runtime, with a
/// message that names the field. The coordinator checks a spec before anything is created (a deploy,
/// a peer's target); the Engine checks it again before it creates the app.
/// </summary>
public static class AppSpecValidator
{
    /// <summary>Environment entries: Linux caps one environment string at 128 KiB, and the whole spec travels in one.</summary>
    public const int MaxEnvEntries = 256;
    public const int MaxEnvBytes = 32 << 10;
    public const int MaxCommandBytes = 32 << 10;
    public const int MaxPorts = 64;
    public const int MaxVolumes = 32;

    public static void Validate(AppSpec? spec)
    {
        if (spec is null) throw FederationException.InvalidArgument("app spec is missing");
        Names.CheckAppName(spec.Name);
        Names.CheckImageReference(spec.Image);
        if (spec.Env.Count > MaxEnvEntries)
            throw FederationException.InvalidArgument($"{spec.Env.Count} environment variables are more than the {MaxEnvEntries} allowed");
        var envBytes = spec.Env.Sum(e => (long)e.Key.Length + e.Value.Length + 2);
        if (envBytes > MaxEnvBytes)
            throw FederationException.InvalidArgument($"the environment is {envBytes} bytes, more than the {MaxEnvBytes} allowed");
        foreach (var (key, value) in spec.Env)
        {
            if (key.Length == 0 || key.Contains('=') || key.Contains('\0'))
                throw FederationException.InvalidArgument($"environment variable name '{Shown(key)}' is invalid");
            if (value.Contains('\0')) throw FederationException.InvalidArgument($"environment variable {Shown(key)} holds a NUL character");
        }
        if (spec.Command.Sum(c => (long)c.Length + 1) > MaxCommandBytes)
            throw FederationException.InvalidArgument($"the command is longer than the {MaxCommandBytes} bytes allowed");
        if (spec.Command.Any(c => c.Contains('\0'))) throw FederationException.InvalidArgument("the command holds a NUL character");
        if (spec.Ports.Count > MaxPorts) throw FederationException.InvalidArgument($"{spec.Ports.Count} ports are more than the {MaxPorts} allowed");
        if (spec.Volumes.Count > MaxVolumes) throw FederationException.InvalidArgument($"{spec.Volumes.Count} volumes are more than the {MaxVolumes} allowed");
        var seen = new HashSet<string>();
        foreach (var port in spec.Ports)
        {
            if (port.ContainerPort is 0 or > 65535) throw FederationException.InvalidArgument($"container port {port.ContainerPort} is out of range");
            if (port.RuntimePort > 65535) throw FederationException.InvalidArgument($"runtime port {port.RuntimePort} is out of range");
            if (port.Protocol is not ("" or "tcp" or "udp")) throw FederationException.InvalidArgument($"port protocol '{port.Protocol}' is not tcp or udp");
            var key = $"{(port.RuntimePort != 0 ? port.RuntimePort : port.ContainerPort)}/{port.Protocol}";
            if (!seen.Add(key)) throw FederationException.InvalidArgument($"runtime port {key} is mapped twice");
        }
        foreach (var volume in spec.Volumes)
        {
            Names.CheckAppName(volume.Name, "volume name");
            if (!volume.ContainerPath.StartsWith('/') || volume.ContainerPath.Split('/').Contains(".."))
                throw FederationException.InvalidArgument($"volume path '{Shown(volume.ContainerPath)}' must be absolute without '..'");
        }
    }

    private static string Shown(string text) => Names.Escape(text, 64);
}
