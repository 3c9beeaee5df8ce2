using System.Globalization;
using k8s.Models;

namespace Federation.Tests.Kube;

/// <summary>The values the downward API exposes (<c>fieldRef</c>, <c>resourceFieldRef</c>), as the kubelet computes them.</summary>
public static class DownwardApi
{
    /// <exception cref="PodConfigException">A field the downward API does not offer.</exception>
    public static string Field(V1Pod pod, string fieldPath, string podIp, string hostIp)
    {
        var meta = pod.Metadata;
        switch (fieldPath)
        {
            case "metadata.name": return meta.Name;
            case "metadata.namespace": return meta.NamespaceProperty ?? "default";
            case "metadata.uid": return meta.Uid;
            case "metadata.labels": return Pairs(meta.Labels);
            case "metadata.annotations": return Pairs(meta.Annotations);
            case "spec.nodeName": return pod.Spec.NodeName ?? "";
            case "spec.serviceAccountName": return pod.Spec.ServiceAccountName ?? "default";
            case "status.podIP": return podIp;
            case "status.podIPs": return podIp;
            case "status.hostIP": return hostIp;
            case "status.hostIPs": return hostIp;
        }
        if (TryKey(fieldPath, "metadata.labels", out var label)) return meta.Labels?.TryGetValue(label, out var v) == true ? v : "";
        if (TryKey(fieldPath, "metadata.annotations", out var annotation)) return meta.Annotations?.TryGetValue(annotation, out var a) == true ? a : "";
        throw new PodConfigException($"fieldRef {fieldPath} is not supported by the downward API");
    }

    /// <summary>A container's limit or request, in units of the divisor; the node's capacity when no limit is set, as the kubelet does.</summary>
    public static string Resource(V1Pod pod, V1ResourceFieldSelector selector)
    {
        var container = pod.Spec.Containers.FirstOrDefault(c => c.Name == selector.ContainerName) ?? pod.Spec.Containers[0];
        var (group, name) = selector.Resource.Split('.', 2) switch { [var g, var n] => (g, n), _ => ("", selector.Resource) };
        var values = group == "requests" ? container.Resources?.Requests : container.Resources?.Limits;
        double amount;
        if (values?.TryGetValue(name, out var quantity) == true) amount = (double)quantity.ToDecimal();
        else if (name == "cpu") amount = group == "requests" ? 0 : Environment.ProcessorCount;
        else if (name == "memory") amount = group == "requests" ? 0 : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        else if (name == "ephemeral-storage") amount = 0;
        else throw new PodConfigException($"resourceFieldRef {selector.Resource} is not supported by the downward API");
        var divisor = selector.Divisor is { } d ? (double)d.ToDecimal() : 1;
        if (divisor <= 0) throw new PodConfigException($"resourceFieldRef {selector.Resource} has a divisor that is not positive");
        return ((long)Math.Ceiling(amount / divisor)).ToString(CultureInfo.InvariantCulture);
    }

    private static bool TryKey(string fieldPath, string map, out string key)
    {
        key = "";
        if (!fieldPath.StartsWith(map + "['", StringComparison.Ordinal) || !fieldPath.EndsWith("']", StringComparison.Ordinal)) return false;
        key = fieldPath[(map.Length + 2)..^2];
        return true;
    }

    private static string Pairs(IDictionary<string, string>? map) =>
        map is null ? "" : string.Join("\n", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}=\"{p.Value}\""));
}
