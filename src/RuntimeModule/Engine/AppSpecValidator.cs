using Federation.Common;
using Federation.V1;

namespace Federation.RuntimeModule.Engine;

/// <summary>Refuses an app spec Docker would reject or misread, with a message that names the field.</summary>
public static class AppSpecValidator
{
    public static void Validate(AppSpec? spec)
    {
        if (spec is null) throw FederationException.InvalidArgument("app spec is missing");
        Names.CheckAppName(spec.Name);
        Names.CheckImageReference(spec.Image);
        foreach (var key in spec.Env.Keys)
        {
            if (key.Length == 0 || key.Contains('=') || key.Contains('\0'))
                throw FederationException.InvalidArgument($"environment variable name '{key}' is invalid");
        }
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
                throw FederationException.InvalidArgument($"volume path '{volume.ContainerPath}' must be absolute without '..'");
        }
    }
}
