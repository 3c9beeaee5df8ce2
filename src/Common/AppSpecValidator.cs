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

    public const int MaxContainers = 16;

    public static void Validate(AppSpec? spec)
    {
        if (spec is null) throw FederationException.InvalidArgument("app spec is missing");
        Names.CheckAppName(spec.Name);
        if (AppSpecContainers.IsListed(spec))
        {
            if (spec.Image.Length > 0 || spec.Command.Count > 0 || spec.Env.Count > 0 || spec.Volumes.Count > 0)
                throw FederationException.InvalidArgument(
                    $"app '{spec.Name}' lists containers and also has a top-level image, command, env or volumes: use one form");
            if (spec.Containers.Count > MaxContainers)
                throw FederationException.InvalidArgument($"{spec.Containers.Count} containers are more than the {MaxContainers} allowed");
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var container in spec.Containers)
            {
                Names.CheckAppName(container.Name, "container name");
                if (!names.Add(container.Name)) throw FederationException.InvalidArgument($"container name '{container.Name}' is used twice");
                CheckContainer($"container '{container.Name}': ", container.Image, container.Command, container.Env, container.Volumes);
            }
            if (spec.Containers.SelectMany(c => c.Volumes).GroupBy(v => v.Name).FirstOrDefault(g => g.Select(v => v.Shared).Distinct().Count() > 1) is { } mixed)
                throw FederationException.InvalidArgument($"volume '{mixed.Key}' is shared storage in one container and a copied volume in another: say the same in each");
        }
        else
        {
            CheckContainer("", spec.Image, spec.Command, spec.Env, spec.Volumes);
        }
        if (spec.Ports.Count > MaxPorts) throw FederationException.InvalidArgument($"{spec.Ports.Count} ports are more than the {MaxPorts} allowed");
        var seen = new HashSet<string>();
        foreach (var port in spec.Ports)
        {
            if (port.ContainerPort is 0 or > 65535) throw FederationException.InvalidArgument($"container port {port.ContainerPort} is out of range");
            if (port.RuntimePort > 65535) throw FederationException.InvalidArgument($"runtime port {port.RuntimePort} is out of range");
            if (port.Protocol is not ("" or "tcp" or "udp")) throw FederationException.InvalidArgument($"port protocol '{port.Protocol}' is not tcp or udp");
            var key = $"{(port.RuntimePort != 0 ? port.RuntimePort : port.ContainerPort)}/{port.Protocol}";
            if (!seen.Add(key)) throw FederationException.InvalidArgument($"runtime port {key} is mapped twice");
        }
    }

    private static void CheckContainer(string where, string image, IList<string> command, IDictionary<string, string> env, IList<VolumeMount> volumes)
    {
        try
        {
            Names.CheckImageReference(image);
        }
        catch (FederationException e)
        {
            throw FederationException.InvalidArgument(where + e.Message);
        }
        if (env.Count > MaxEnvEntries)
            throw FederationException.InvalidArgument($"{where}{env.Count} environment variables are more than the {MaxEnvEntries} allowed");
        var envBytes = env.Sum(e => (long)e.Key.Length + e.Value.Length + 2);
        if (envBytes > MaxEnvBytes)
            throw FederationException.InvalidArgument($"{where}the environment is {envBytes} bytes, more than the {MaxEnvBytes} allowed");
        foreach (var (key, value) in env)
        {
            if (key.Length == 0 || key.Contains('=') || key.Contains('\0'))
                throw FederationException.InvalidArgument($"{where}environment variable name '{Shown(key)}' is invalid");
            if (value.Contains('\0')) throw FederationException.InvalidArgument($"{where}environment variable {Shown(key)} holds a NUL character");
        }
        if (command.Sum(c => (long)c.Length + 1) > MaxCommandBytes)
            throw FederationException.InvalidArgument($"{where}the command is longer than the {MaxCommandBytes} bytes allowed");
        if (command.Any(c => c.Contains('\0'))) throw FederationException.InvalidArgument($"{where}the command holds a NUL character");
        if (volumes.Count > MaxVolumes) throw FederationException.InvalidArgument($"{where}{volumes.Count} volumes are more than the {MaxVolumes} allowed");
        var paths = new HashSet<string>(StringComparer.Ordinal);
        foreach (var volume in volumes)
        {
            Names.CheckAppName(volume.Name, where + "volume name");
            if (!volume.ContainerPath.StartsWith('/') || volume.ContainerPath.Split('/').Contains(".."))
                throw FederationException.InvalidArgument($"{where}volume path '{Shown(volume.ContainerPath)}' must be absolute without '..'");
            if (!paths.Add(volume.ContainerPath.TrimEnd('/')))
                throw FederationException.InvalidArgument($"{where}two volumes are mounted at '{Shown(volume.ContainerPath)}'");
        }
    }

    private static string Shown(string text) => Names.Escape(text, 64);
}
