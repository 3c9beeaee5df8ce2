namespace Federation.Adapters.Kubernetes;

/// <summary>The labels and annotations (all <c>federation.io/...</c>) that mark a runtime pod and say what it is.</summary>
public static class FederationLabels
{
    /// <summary>Annotation a user puts on a pod (or a Deployment/StatefulSet template) to have the webhook rewrite it: "true".</summary>
    public const string Migratable = "federation.io/migratable";

    /// <summary>Label on every runtime pod: "true". The adapter lists workloads by it.</summary>
    public const string Runtime = "federation.io/runtime";

    /// <summary>Label: the workload (app) name; the Service of the workload selects on it.</summary>
    public const string Workload = "federation.io/workload";

    /// <summary>Label: "active" or "target".</summary>
    public const string Role = "federation.io/role";

    /// <summary>Label: the pod that serves the workload's Service inside this cluster (the selector moves by it at once).</summary>
    public const string Serving = "federation.io/serving";

    /// <summary>Annotation: the migration that created the pod as a passive target.</summary>
    public const string MigrationId = "federation.io/migration-id";

    /// <summary>Annotation: the app's generation (0 when created, the migration's when restored).</summary>
    public const string Generation = "federation.io/generation";

    /// <summary>Annotation: the app spec (federation.v1.AppSpec as JSON) the Ambassador runs; the adapter reads it back.</summary>
    public const string AppSpec = "federation.io/app-spec";

    /// <summary>Annotation: the pod is in the runtime form (the webhook leaves such a pod alone when invoked again).</summary>
    public const string RuntimeForm = "federation.io/runtime-form";

    /// <summary>Annotations of a workload that came from another cluster: where its stable address lives.</summary>
    public const string HomeCluster = "federation.io/home-cluster";
    public const string HomeAddress = "federation.io/home-address";

    /// <summary>Annotation on an owner (Deployment) scaled down because its pod moved away: the replicas to restore on rollback.</summary>
    public const string MovedReplicas = "federation.io/moved-replicas";

    /// <summary>Annotation: the app image is in the pod's runtime (placed by the adapter); a pod without it gets it from <c>AdmittedPodImages</c>.</summary>
    public const string ImagePlaced = "federation.io/image-placed";

    public const string ActiveRole = "active";
    public const string TargetRole = "target";
    public const string RuntimeFormVersion = "v1";
}
