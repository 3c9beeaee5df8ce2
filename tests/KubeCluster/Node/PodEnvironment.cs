using System.Text;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Federation.Tests.Kube;

/// <summary>A container's environment as the kubelet builds it: envFrom, then env (downward API, configMap and secret keys), with <c>$(VAR)</c> expansion.</summary>
public static partial class PodEnvironment
{
    public static async Task<List<string>> BuildAsync(IKubernetes client, V1Pod pod, V1Container container, string podIp, string hostIp, CancellationToken ct)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var order = new List<string>();
        void Set(string name, string value)
        {
            if (!values.ContainsKey(name)) order.Add(name);
            values[name] = value;
        }

        foreach (var source in container.EnvFrom ?? [])
        {
            var prefix = source.Prefix ?? "";
            if (source.ConfigMapRef is { } cmRef)
            {
                var map = await ConfigMapAsync(client, ns, cmRef.Name, cmRef.Optional == true, ct);
                foreach (var (k, v) in map?.Data ?? new Dictionary<string, string>()) Set(prefix + k, v);
            }
            if (source.SecretRef is { } secretRef)
            {
                var secret = await SecretAsync(client, ns, secretRef.Name, secretRef.Optional == true, ct);
                foreach (var (k, v) in secret?.Data ?? new Dictionary<string, byte[]>()) Set(prefix + k, Encoding.UTF8.GetString(v));
            }
        }

        foreach (var env in container.Env ?? [])
        {
            if (env.ValueFrom is not { } from)
            {
                Set(env.Name, Expand(env.Value ?? "", values));
                continue;
            }
            if (from.FieldRef is { } field) Set(env.Name, DownwardApi.Field(pod, field.FieldPath, podIp, hostIp));
            else if (from.ResourceFieldRef is { } resource) Set(env.Name, DownwardApi.Resource(pod, resource.ContainerName is null ? WithContainer(resource, container.Name) : resource));
            else if (from.ConfigMapKeyRef is { } cmKey)
            {
                var map = await ConfigMapAsync(client, ns, cmKey.Name, cmKey.Optional == true, ct);
                if (map?.Data?.TryGetValue(cmKey.Key, out var v) == true) Set(env.Name, v);
                else if (cmKey.Optional != true) throw new PodConfigException($"couldn't find key {cmKey.Key} in ConfigMap {ns}/{cmKey.Name}");
            }
            else if (from.SecretKeyRef is { } secretKey)
            {
                var secret = await SecretAsync(client, ns, secretKey.Name, secretKey.Optional == true, ct);
                if (secret?.Data?.TryGetValue(secretKey.Key, out var v) == true) Set(env.Name, Encoding.UTF8.GetString(v));
                else if (secretKey.Optional != true) throw new PodConfigException($"couldn't find key {secretKey.Key} in Secret {ns}/{secretKey.Name}");
            }
        }
        return order.Select(n => $"{n}={values[n]}").ToList();
    }

    /// <summary><c>$(VAR)</c> becomes the value of VAR defined before; <c>$$</c> is a literal <c>$</c>; unknown references stay as written.</summary>
    public static string Expand(string text, IReadOnlyDictionary<string, string> defined) =>
        Reference().Replace(text, m => m.Value == "$$" ? "$" : defined.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

    public static async Task<V1ConfigMap?> ConfigMapAsync(IKubernetes client, string ns, string name, bool optional, CancellationToken ct)
    {
        try { return await client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: ct); }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return optional ? null : throw new PodConfigException($"configmap \"{name}\" not found");
        }
    }

    public static async Task<V1Secret?> SecretAsync(IKubernetes client, string ns, string name, bool optional, CancellationToken ct)
    {
        try { return await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct); }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return optional ? null : throw new PodConfigException($"secret \"{name}\" not found");
        }
    }

    private static V1ResourceFieldSelector WithContainer(V1ResourceFieldSelector selector, string container) =>
        new() { ContainerName = container, Resource = selector.Resource, Divisor = selector.Divisor };

    [GeneratedRegex(@"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")]
    private static partial Regex Reference();
}
