using System.Globalization;
using Federation.Common;
using Federation.V1;

namespace Federation.Adapters.Relay.Routes;

/// <summary>What the relay accepts from its controller: route names, app ports, listen ports and "host:port" backends.</summary>
public static class RouteChecks
{
    public static void Name(string name)
    {
        if (name.Length is 0 or > 253 || name.Any(char.IsControl))
            throw FederationException.InvalidArgument($"route name '{Names.Escape(name, 64)}' must be 1 to 253 printable characters");
    }

    public static void Ports(IReadOnlyCollection<RelayPort> ports)
    {
        if (ports.Count == 0) throw FederationException.InvalidArgument("a route needs at least one port");
        foreach (var port in ports)
        {
            AppPort(port.Port);
            if (port.ListenPort > 65535) throw FederationException.InvalidArgument($"listen port {port.ListenPort} is out of range");
            Backend(port.Backend);
        }
        if (ports.Select(p => p.Port).Distinct().Count() != ports.Count) throw FederationException.InvalidArgument("a route names an app port twice");
    }

    public static void AppPort(uint port)
    {
        if (port is 0 or > 65535) throw FederationException.InvalidArgument($"app port {port} is out of range");
    }

    public static void Backend(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535
            || Uri.CheckHostName(endpoint[..colon].Trim('[', ']')) == UriHostNameType.Unknown)
            throw FederationException.InvalidArgument($"backend '{Names.Escape(endpoint, 64)}' is not HOST:PORT");
    }
}
