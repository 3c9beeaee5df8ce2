using System.Text;
using Federation.Adapters.Kubernetes.Cluster;
using k8s;
using k8s.Models;

namespace Federation.Adapters.Kubernetes.Pods;

/// <summary>
/// The Secret a namespace's runtime pods read their Engine credential from (<see cref="RuntimePodOptions.EngineSecretName"/>,
/// key <c>token</c>): written before any runtime pod of the namespace is created, by the adapter and by the webhook.
/// </summary>
public sealed class EngineSecrets(KubeApi api, string secretName, string cluster, IRuntimeEngines engines)
{
    /// <summary>Creates the Secret, or replaces it when it holds another credential. Safe to repeat and to race.</summary>
    public async Task EnsureAsync(string ns, CancellationToken ct)
    {
        var secret = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = secretName, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["federation.io/engine-credential"] = cluster } },
            Type = "Opaque",
            StringData = new Dictionary<string, string> { ["token"] = engines.Credential },
        };
        var existing = await api.FindAsync($"read secret {ns}/{secretName}", t => api.Client.CoreV1.ReadNamespacedSecretAsync(secretName, ns, cancellationToken: t), ct);
        if (existing is null)
        {
            try { await api.CallAsync($"create secret {ns}/{secretName}", t => api.Client.CoreV1.CreateNamespacedSecretAsync(secret, ns, cancellationToken: t), ct); }
            catch (FederationException e) when (e.Error == FederationError.AlreadyExists) { }
            return;
        }
        if (existing.Data?.TryGetValue("token", out var token) == true && Encoding.UTF8.GetString(token) == engines.Credential) return;
        secret.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        await api.CallAsync($"replace secret {ns}/{secretName}", t => api.Client.CoreV1.ReplaceNamespacedSecretAsync(secret, secretName, ns, cancellationToken: t), ct);
    }
}
