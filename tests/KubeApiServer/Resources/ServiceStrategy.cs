using System.Text.Json.Nodes;
using Federation.Tests.Kube.Validation;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Resources;

/// <summary>core/v1 services: DNS-1035 names, port validation, ClusterIP and NodePort allocation, ClusterIP immutable.</summary>
public sealed class ServiceStrategy : ResourceStrategy
{
    private static readonly string[] Types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

    public override Func<string, IEnumerable<string>> NameRule => NameRules.Dns1035;

    public override void Default(IKubernetesObject<V1ObjectMeta> model, StrategyContext context)
    {
        var service = (V1Service)model;
        service.Spec ??= new V1ServiceSpec();
        var spec = service.Spec;
        spec.Type ??= "ClusterIP";
        spec.SessionAffinity ??= "None";
        if (spec.Type != "ExternalName")
        {
            spec.InternalTrafficPolicy ??= "Cluster";
        }
        if (spec.Type is "NodePort" or "LoadBalancer")
        {
            spec.ExternalTrafficPolicy ??= "Cluster";
        }
        foreach (var port in spec.Ports ?? [])
        {
            port.Protocol ??= "TCP";
            port.TargetPort ??= port.Port;
        }
    }

    public override void PrepareForCreate(IKubernetesObject<V1ObjectMeta> model, StrategyContext context) =>
        ((V1Service)model).Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus() };

    public override void PrepareForUpdate(IKubernetesObject<V1ObjectMeta> model, IKubernetesObject<V1ObjectMeta> old, StrategyContext context)
    {
        var spec = ((V1Service)model).Spec;
        var oldSpec = ((V1Service)old).Spec;
        if (spec is null || oldSpec is null)
        {
            return;
        }
        if (string.IsNullOrEmpty(spec.ClusterIP) && spec.Type == oldSpec.Type)
        {
            spec.ClusterIP = oldSpec.ClusterIP;
            spec.ClusterIPs = oldSpec.ClusterIPs;
            spec.IpFamilies ??= oldSpec.IpFamilies;
            spec.IpFamilyPolicy ??= oldSpec.IpFamilyPolicy;
        }
        foreach (var port in spec.Ports ?? [])
        {
            if (port.NodePort is null or 0 && oldSpec.Ports?.FirstOrDefault(p => p.Port == port.Port && p.Protocol == port.Protocol)?.NodePort is { } kept)
            {
                port.NodePort = kept;
            }
        }
    }

    public override IEnumerable<FieldCause> Validate(IKubernetesObject<V1ObjectMeta> model, StrategyContext context)
    {
        var spec = ((V1Service)model).Spec;
        if (!Types.Contains(spec.Type))
        {
            yield return FieldCause.NotSupported("spec.type", spec.Type, Types);
            yield break;
        }
        if (spec.Type == "ExternalName")
        {
            if (string.IsNullOrEmpty(spec.ExternalName))
            {
                yield return FieldCause.Required("spec.externalName", "");
            }
            yield break;
        }
        var headless = spec.ClusterIP == "None";
        if (!headless && (spec.Ports is null || spec.Ports.Count == 0))
        {
            yield return FieldCause.Required("spec.ports", "");
        }
        if (spec.ClusterIP is { Length: > 0 } ip && !headless && !NameRules.IsIPv4(ip))
        {
            yield return FieldCause.Invalid("spec.clusterIPs[0]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        var ports = spec.Ports ?? [];
        foreach (var (port, i) in ports.Select((p, i) => (p, i)))
        {
            var at = $"spec.ports[{i}]";
            if (ports.Count > 1 && string.IsNullOrEmpty(port.Name))
            {
                yield return FieldCause.Required($"{at}.name", "");
            }
            if (port.Name is { Length: > 0 } name)
            {
                foreach (var message in NameRules.Label(name))
                {
                    yield return FieldCause.Invalid($"{at}.name", name, message);
                }
                if (!names.Add(name))
                {
                    yield return FieldCause.Duplicate($"{at}.name", name);
                }
            }
            foreach (var message in NameRules.PortNumber(port.Port))
            {
                yield return FieldCause.Invalid($"{at}.port", port.Port, message);
            }
            if (port.Protocol is not ("TCP" or "UDP" or "SCTP"))
            {
                yield return FieldCause.NotSupported($"{at}.protocol", port.Protocol, "SCTP", "TCP", "UDP");
            }
            if (port.TargetPort is { } target)
            {
                if (int.TryParse(target.Value, out var number))
                {
                    foreach (var message in NameRules.PortNumber(number))
                    {
                        yield return FieldCause.Invalid($"{at}.targetPort", number, message);
                    }
                }
                else
                {
                    foreach (var message in NameRules.PortName(target.Value))
                    {
                        yield return FieldCause.Invalid($"{at}.targetPort", target.Value, message);
                    }
                }
            }
            if (port.NodePort is { } nodePort and not 0 && spec.Type == "ClusterIP")
            {
                yield return FieldCause.Forbidden($"{at}.nodePort", "may not be used when `type` is 'ClusterIP'");
            }
        }
    }

    public override IEnumerable<FieldCause> ValidateUpdate(IKubernetesObject<V1ObjectMeta> model, IKubernetesObject<V1ObjectMeta> old)
    {
        var spec = ((V1Service)model).Spec;
        var oldSpec = ((V1Service)old).Spec;
        if (spec.Type == oldSpec.Type && !string.IsNullOrEmpty(oldSpec.ClusterIP) && spec.ClusterIP != oldSpec.ClusterIP)
        {
            yield return FieldCause.Invalid("spec.clusterIPs[0]", spec.ClusterIP, "may not change once set");
        }
    }

    public override IEnumerable<FieldCause> Allocate(IKubernetesObject<V1ObjectMeta> model, IKubernetesObject<V1ObjectMeta>? old, StrategyContext context)
    {
        var spec = ((V1Service)model).Spec;
        var oldSpec = (old as V1Service)?.Spec;
        if (spec.Type == "ExternalName")
        {
            yield break;
        }
        if (spec.ClusterIP != "None" && (oldSpec is null || string.IsNullOrEmpty(oldSpec.ClusterIP) || oldSpec.ClusterIP == "None"))
        {
            if (!context.Addresses.TryAllocateClusterIP(string.IsNullOrEmpty(spec.ClusterIP) ? null : spec.ClusterIP, out var address, out var why))
            {
                yield return FieldCause.Invalid("spec.clusterIPs", $"[]string{{\"{spec.ClusterIP}\"}}", why);
                yield break;
            }
            spec.ClusterIP = address;
        }
        if (spec.ClusterIP == "None")
        {
            spec.ClusterIPs = ["None"];
        }
        else
        {
            spec.ClusterIPs = [spec.ClusterIP];
        }
        spec.IpFamilies ??= ["IPv4"];
        spec.IpFamilyPolicy ??= "SingleStack";
        if (spec.Type is "NodePort" or "LoadBalancer")
        {
            foreach (var (port, i) in (spec.Ports ?? []).Select((p, i) => (p, i)))
            {
                var kept = oldSpec?.Ports?.Any(p => p.NodePort == port.NodePort && port.NodePort is not null and not 0) == true;
                if (kept)
                {
                    continue;
                }
                if (!context.Addresses.TryAllocateNodePort(port.NodePort, out var nodePort, out var why))
                {
                    yield return FieldCause.Invalid($"spec.ports[{i}].nodePort", port.NodePort, why);
                    yield break;
                }
                port.NodePort = nodePort;
            }
        }
    }

    public override void Released(JsonObject deleted, StrategyContext context)
    {
        var ip = deleted["spec"]?["clusterIP"]?.GetValue<string>();
        var ports = deleted["spec"]?["ports"]?.AsArray().Select(p => p?["nodePort"]?.GetValue<int>() ?? 0).Where(p => p != 0) ?? [];
        context.Addresses.Release(ip is "None" ? null : ip, ports);
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        TableColumn.NameColumn,
        TableColumn.Text("Type", o => o["spec"]?["type"]?.GetValue<string>()),
        TableColumn.Text("Cluster-IP", o => o["spec"]?["clusterIP"]?.GetValue<string>()),
        TableColumn.Text("External-IP", o => o["spec"]?["externalIPs"]?.AsArray() is { Count: > 0 } ips ? string.Join(",", ips.Select(i => i!.GetValue<string>())) : null),
        TableColumn.Text("Port(s)", o => o["spec"]?["ports"]?.AsArray() is { Count: > 0 } ports
            ? string.Join(",", ports.Select(p => $"{p?["port"]}{(p?["nodePort"] is { } n ? $":{n}" : "")}/{p?["protocol"]?.GetValue<string>() ?? "TCP"}"))
            : null),
        TableColumn.AgeColumn,
        TableColumn.Text("Selector", o => o["spec"]?["selector"]?.AsObject() is { Count: > 0 } selector
            ? string.Join(",", selector.Select(kv => $"{kv.Key}={kv.Value}"))
            : null, priority: 1),
    ];
}
