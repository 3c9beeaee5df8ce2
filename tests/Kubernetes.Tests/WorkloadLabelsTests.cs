using Federation.Adapters.Kubernetes;
using Federation.Adapters.Kubernetes.Pods;
using Federation.V1;
using k8s.Models;

namespace Federation.Kubernetes.Tests;

/// <summary>The labels a Kubernetes workload reports to the policies: the app spec's, the runtime pod's labels, its annotations over both.</summary>
public sealed class WorkloadLabelsTests
{
    [Test]
    public void Spec_labels_then_pod_labels_then_annotations_without_the_app_spec()
    {
        var spec = new AppSpec { Name = "x", Labels = { ["federation.io/priority"] = "1", ["team"] = "a" } };
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Labels = new Dictionary<string, string> { [FederationLabels.Runtime] = "true", ["team"] = "b" },
                Annotations = new Dictionary<string, string> { ["federation.io/priority"] = "5", ["federation.io/no-offload"] = "true", [FederationLabels.AppSpec] = "{}" },
            },
        };
        var labels = RuntimePodView.LabelsOf(pod, spec);
        Assert.That(labels["federation.io/priority"], Is.EqualTo("5"), "the pod's annotation, where a Deployment's template puts it");
        Assert.That(labels["federation.io/no-offload"], Is.EqualTo("true"));
        Assert.That(labels["team"], Is.EqualTo("b"));
        Assert.That(labels.ContainsKey(FederationLabels.AppSpec), Is.False);
        Assert.That(RuntimePodView.LabelsOf(new V1Pod { Metadata = new V1ObjectMeta() }, null), Is.Empty);
    }
}
