using k8s.Models;

namespace Federation.Tests.Kube.Resources;

/// <summary>Every resource the server serves, by group/version and plural, with the names discovery gives them.</summary>
public sealed class ResourceCatalog
{
    private readonly Dictionary<(string Group, string Version, string Plural), ResourceKind> byPath = [];

    public ResourceCatalog()
    {
        var plain = ResourceStrategy.Plain;
        var rbac = new RbacStrategy();
        Add(ResourceKind.Of<V1Namespace>("", "v1", "namespaces", "Namespace", false, new NamespaceStrategy()) with
        {
            ShortNames = ["ns"],
            HasStatus = true,
            ReturnsDeletedObject = true,
            Verbs = ["create", "delete", "get", "list", "patch", "update", "watch"],
        });
        Add(ResourceKind.Of<V1Node>("", "v1", "nodes", "Node", false, new NodeStrategy()) with { ShortNames = ["no"], HasStatus = true });
        Add(ResourceKind.Of<V1Pod>("", "v1", "pods", "Pod", true, new PodStrategy()) with
        {
            ShortNames = ["po"],
            Categories = ["all"],
            HasStatus = true,
            ReturnsDeletedObject = true,
        });
        Add(ResourceKind.Of<V1Service>("", "v1", "services", "Service", true, new ServiceStrategy()) with
        {
            ShortNames = ["svc"],
            Categories = ["all"],
            HasStatus = true,
            ReturnsDeletedObject = true,
            Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        });
        Add(ResourceKind.Of<V1Endpoints>("", "v1", "endpoints", "Endpoints", true, plain) with { ShortNames = ["ep"], Singular = "endpoints" });
        Add(ResourceKind.Of<V1ConfigMap>("", "v1", "configmaps", "ConfigMap", true, new ConfigDataStrategy(secret: false)) with { ShortNames = ["cm"] });
        Add(ResourceKind.Of<V1Secret>("", "v1", "secrets", "Secret", true, new ConfigDataStrategy(secret: true)));
        Add(ResourceKind.Of<V1ServiceAccount>("", "v1", "serviceaccounts", "ServiceAccount", true, plain) with { ShortNames = ["sa"] });
        Add(ResourceKind.Of<Corev1Event>("", "v1", "events", "Event", true, plain) with { ShortNames = ["ev"] });
        Add(ResourceKind.Of<V1Deployment>("apps", "v1", "deployments", "Deployment", true, WorkloadStrategy.Deployments()) with
        {
            ShortNames = ["deploy"],
            Categories = ["all"],
            HasStatus = true,
            HasScale = true,
            TracksGeneration = true,
        });
        Add(ResourceKind.Of<V1ReplicaSet>("apps", "v1", "replicasets", "ReplicaSet", true, WorkloadStrategy.ReplicaSets()) with
        {
            ShortNames = ["rs"],
            Categories = ["all"],
            HasStatus = true,
            HasScale = true,
            TracksGeneration = true,
        });
        Add(ResourceKind.Of<V1StatefulSet>("apps", "v1", "statefulsets", "StatefulSet", true, WorkloadStrategy.StatefulSets()) with
        {
            ShortNames = ["sts"],
            Categories = ["all"],
            HasStatus = true,
            HasScale = true,
            TracksGeneration = true,
        });
        Add(ResourceKind.Of<V1Role>("rbac.authorization.k8s.io", "v1", "roles", "Role", true, rbac));
        Add(ResourceKind.Of<V1RoleBinding>("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, rbac));
        Add(ResourceKind.Of<V1ClusterRole>("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, rbac));
        Add(ResourceKind.Of<V1ClusterRoleBinding>("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, rbac));
        Add(ResourceKind.Of<V1MutatingWebhookConfiguration>("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false, new WebhookConfigurationStrategy()) with
        {
            Categories = ["api-extensions"],
        });
        Add(ResourceKind.Of<V1StorageClass>("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, plain) with { ShortNames = ["sc"] });
        Add(ResourceKind.Of<V1EndpointSlice>("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, plain));
        Add(ResourceKind.Of<V1Lease>("coordination.k8s.io", "v1", "leases", "Lease", true, plain));
    }

    public IReadOnlyCollection<ResourceKind> All => byPath.Values;

    public ResourceKind? Find(string group, string version, string plural) =>
        byPath.GetValueOrDefault((group, version, plural));

    public ResourceKind Get(string group, string plural) =>
        byPath.Values.Single(k => k.Group == group && k.Plural == plural);

    /// <summary>The groups served, in discovery order, each with its one version.</summary>
    public IEnumerable<(string Group, string Version)> Groups =>
        byPath.Values.Where(k => k.Group.Length > 0).Select(k => (k.Group, k.Version)).Distinct();

    private void Add(ResourceKind kind) => byPath[(kind.Group, kind.Version, kind.Plural)] = kind;
}
