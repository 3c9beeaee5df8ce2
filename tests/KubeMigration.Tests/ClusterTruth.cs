using Federation.Adapters.Kubernetes;
using Federation.Tests.Kube;
using Federation.Tests.Shared;
using k8s;
using k8s.Models;

namespace Federation.KubeMigration.Tests;

/// <summary>What a test cluster's API server says about a workload: its runtime pods and the controllers that would (re)create them.</summary>
public static class ClusterTruth
{
    public static async Task<IList<V1Pod>> RuntimePodsAsync(KubeTestCluster cluster, string ns, string workload) =>
        (await cluster.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: $"{FederationLabels.Runtime}=true,{FederationLabels.Workload}={workload}")).Items;

    /// <summary>ReplicaSets (and Deployments, StatefulSets) of the namespace whose selector picks the workload's runtime pods.</summary>
    public static async Task<IReadOnlyList<string>> ControllersOfAsync(KubeTestCluster cluster, string ns, string workload)
    {
        var labels = new Dictionary<string, string> { [FederationLabels.Runtime] = "true", [FederationLabels.Workload] = workload };
        bool Picks(V1LabelSelector? selector) =>
            selector?.MatchLabels is { Count: > 0 } match && match.All(m => labels.TryGetValue(m.Key, out var v) && v == m.Value);
        var sets = (await cluster.Client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.Where(r => Picks(r.Spec.Selector)).Select(r => $"replicaset/{r.Metadata.Name}");
        var deployments = (await cluster.Client.AppsV1.ListNamespacedDeploymentAsync(ns)).Items.Where(d => Picks(d.Spec.Selector)).Select(d => $"deployment/{d.Metadata.Name}");
        var stateful = (await cluster.Client.AppsV1.ListNamespacedStatefulSetAsync(ns)).Items.Where(s => Picks(s.Spec.Selector)).Select(s => $"statefulset/{s.Metadata.Name}");
        return sets.Concat(deployments).Concat(stateful).ToList();
    }

    /// <summary>What the real <c>kubectl get pods -l federation.io/workload={workload} -o name</c> lists in the cluster (pod names).</summary>
    public static async Task<IReadOnlyList<string>> KubectlPodsAsync(KubeTestCluster cluster, string ns, string workload)
    {
        var home = Directory.CreateTempSubdirectory("fedkmig-kubectl-").FullName;
        try
        {
            var result = await new Kubectl(cluster.Kubeconfig, home).RunAsync("get", "pods", "-n", ns, "-l", $"{FederationLabels.Workload}={workload}", "-o", "name");
            Assert.That(result.ExitCode, Is.EqualTo(0), $"kubectl get pods in cluster {cluster.Options.Name}: {result}");
            return result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(n => n.Replace("pod/", "")).ToList();
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>The one running runtime pod of the workload, with its controller (kind/name), or a failed assertion saying what there is.</summary>
    public static async Task<(V1Pod Pod, string Controller)> TheRunningPodAsync(KubeTestCluster cluster, string ns, string workload)
    {
        var pods = await RuntimePodsAsync(cluster, ns, workload);
        Assert.That(pods.Select(p => $"{p.Metadata.Name} {p.Status?.Phase}").ToList(), Has.Count.EqualTo(1), $"one runtime pod of {workload} in cluster {cluster.Options.Name}");
        var pod = pods[0];
        var owner = pod.Metadata.OwnerReferences?.SingleOrDefault(o => o.Controller == true);
        return (pod, owner is null ? "" : $"{owner.Kind.ToLowerInvariant()}/{owner.Name}");
    }
}
