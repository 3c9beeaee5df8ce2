using System.Net;
using Federation.Adapters.Kubernetes.Cluster;
using Federation.Adapters.Kubernetes.Images;
using Federation.Adapters.Kubernetes.Pods;
using Microsoft.Extensions.Options;

namespace Federation.Adapters.Kubernetes;

/// <summary>Checks the adapter's settings at start, only when the coordinator runs this adapter's kind; each failure is one line.</summary>
public sealed class KubernetesSettingsValidator(KubeFlavor flavor, ClusterContext cluster) : IValidateOptions<KubernetesSettings>
{
    public ValidateOptionsResult Validate(string? name, KubernetesSettings settings)
    {
        if (name != flavor.Kind || cluster.AdapterKind != flavor.Kind) return ValidateOptionsResult.Skip;
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(settings.RuntimeImage)) failures.Add($"--runtime-image is required for the {flavor.Kind} adapter");
        if (settings.ModuleSource is not (RuntimePodOptions.ModulesInImage or RuntimePodOptions.ModulesOnHostPath))
            failures.Add($"--module-source '{Common.Names.Shorten(settings.ModuleSource)}' is not 'image' or 'hostPath'");
        if (!settings.PeerEngineAccess.Equals("NodePort", StringComparison.OrdinalIgnoreCase) && !settings.PeerEngineAccess.Equals("PodIP", StringComparison.OrdinalIgnoreCase))
            failures.Add($"--peer-access '{Common.Names.Shorten(settings.PeerEngineAccess)}' is not 'NodePort' or 'PodIP'");
        if (settings.MaxWorkloads < 0) failures.Add("--max-workloads must not be negative");
        if (settings.WebhookPort is < 0 or > 65535) failures.Add($"--webhook-port {settings.WebhookPort} is not a port");
        if (settings.WebhookPort is not null && !IPAddress.TryParse(settings.WebhookAddress, out _)) failures.Add($"webhook address '{Common.Names.Shorten(settings.WebhookAddress)}' is not an IP address");
        if (settings.WebhookPort is not null && (settings.WebhookCertificate.Length == 0) != (settings.WebhookKey.Length == 0))
            failures.Add("--webhook-cert and --webhook-key go together");
        foreach (var file in new[] { settings.WebhookCertificate, settings.WebhookKey }.Where(f => f.Length > 0 && !File.Exists(f)))
            failures.Add($"webhook file {Common.Names.Shorten(file)} does not exist");
        failures.AddRange(ImageProblems(settings));
        var kubeconfig = KubeconfigLocator.Locate(settings.Kubeconfig, flavor, Environment.GetEnvironmentVariable, k8s.KubernetesClientConfiguration.IsInCluster());
        if (kubeconfig != KubeconfigLocator.InCluster && !File.Exists(kubeconfig))
            failures.Add($"kubeconfig {Common.Names.Shorten(kubeconfig)} does not exist (set --kubeconfig or $KUBECONFIG{(flavor.ExpectsK3s ? "; K3s writes /etc/rancher/k3s/k3s.yaml" : "")})");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static IEnumerable<string> ImageProblems(KubernetesSettings settings)
    {
        switch (settings.ParsedImageSource())
        {
            case null:
                yield return $"--image-source '{Common.Names.Shorten(settings.ImageSource)}' is neither 'registry' nor 'docker-socket'";
                break;
            case KubeImageSource.Registry:
                if (settings.ImageDockerSocket.Length > 0) yield return "--image-docker-socket goes with --image-source docker-socket, not registry";
                foreach (var problem in settings.RegistryProblems()) yield return problem;
                break;
            case KubeImageSource.DockerSocket:
                var path = settings.ImageDockerSocketPath();
                if (settings.ImageDockerSocket.Length == 0) yield return "--image-source docker-socket needs --image-docker-socket";
                else if (!Path.IsPathRooted(path) || path.Contains("://", StringComparison.Ordinal))
                    yield return $"--image-docker-socket '{Common.Names.Shorten(settings.ImageDockerSocket)}' is not unix:///path or an absolute path";
                else if (!File.Exists(path)) yield return $"--image-docker-socket {Common.Names.Shorten(path)} does not exist";
                break;
        }
    }
}
