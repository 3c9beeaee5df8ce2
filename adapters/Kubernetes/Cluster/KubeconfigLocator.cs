using k8s;

namespace Federation.Adapters.Kubernetes.Cluster;

/// <summary>
/// Which kubeconfig the adapter reads: the <c>--kubeconfig</c> setting, else $KUBECONFIG (its first file), else the
/// in-cluster service account when the coordinator runs in a pod, else the flavor's default file (~/.kube/config for
/// Kubernetes, /etc/rancher/k3s/k3s.yaml for K3s).
/// </summary>
public static class KubeconfigLocator
{
    public const string InCluster = "(in-cluster service account)";

    /// <param name="environment">Reads an environment variable (tests pass their own).</param>
    /// <param name="inCluster">Whether a service account is mounted and KUBERNETES_SERVICE_HOST is set.</param>
    public static string Locate(string setting, KubeFlavor flavor, Func<string, string?> environment, bool inCluster)
    {
        if (!string.IsNullOrWhiteSpace(setting)) return setting;
        if (environment("KUBECONFIG") is { Length: > 0 } fromEnvironment)
            return fromEnvironment.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)[0];
        return inCluster ? InCluster : flavor.DefaultKubeconfig;
    }

    /// <summary>The client configuration from where <see cref="Locate"/> points.</summary>
    /// <exception cref="FederationException">FailedPrecondition: the file is missing or does not parse (one line).</exception>
    public static KubernetesClientConfiguration Load(string setting, string context, KubeFlavor flavor)
    {
        var path = Locate(setting, flavor, Environment.GetEnvironmentVariable, KubernetesClientConfiguration.IsInCluster());
        if (path == InCluster) return KubernetesClientConfiguration.InClusterConfig();
        if (!File.Exists(path))
            throw FederationException.FailedPrecondition($"kubeconfig {path} does not exist (set --kubeconfig or $KUBECONFIG{(flavor.ExpectsK3s ? "; K3s writes /etc/rancher/k3s/k3s.yaml" : "")})");
        try
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(path, string.IsNullOrEmpty(context) ? null : context);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            throw FederationException.FailedPrecondition($"kubeconfig {path} cannot be used: {Common.ErrorMappingInterceptor.OneLine(e.Message)}");
        }
    }
}
