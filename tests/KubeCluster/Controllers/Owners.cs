using k8s;
using k8s.Models;

namespace Federation.Tests.Kube;

/// <summary>Owner references as the controllers use them.</summary>
public static class Owners
{
    public static V1OwnerReference? ControllerOf(V1ObjectMeta meta) => meta.OwnerReferences?.FirstOrDefault(r => r.Controller == true);

    public static bool IsControlledBy(V1ObjectMeta meta, V1ObjectMeta owner) => ControllerOf(meta)?.Uid == owner.Uid;

    public static V1OwnerReference ControllerReference(IKubernetesObject<V1ObjectMeta> owner) => new()
    {
        ApiVersion = owner.ApiVersion,
        Kind = owner.Kind,
        Name = owner.Metadata.Name,
        Uid = owner.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>A random name suffix from the alphabet Kubernetes uses for generated names.</summary>
    public static string RandomSuffix(int length = 5)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(length, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[Random.Shared.Next(alphabet.Length)];
        });
    }

    /// <summary>The pod-template-hash of a Deployment's template: FNV-1a of its JSON, in the safe alphabet (as the real controller does).</summary>
    public static string TemplateHash(V1PodTemplateSpec template)
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        var hash = 2166136261u;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(KubernetesJson.Serialize(template)))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        var digits = hash.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return string.Concat(digits.Select(d => alphabet[d % alphabet.Length]));
    }
}
