using Federation.Adapters.Kubernetes.Pods;
using Federation.V1;
using k8s.Models;

namespace Federation.Kubernetes.Tests;

/// <summary>A pod of several app containers is one workload of several containers, and back.</summary>
[TestFixture]
public sealed class AppContainerSpecOfSeveralTests
{
    private static AppSpec WebAndStore() => new()
    {
        Name = "shop",
        Ports = { new PortMapping { ContainerPort = 7000, Protocol = "tcp" } },
        Containers =
        {
            new AppContainer { Name = "store", Image = "registry.test/store:1", Env = { ["MODE"] = "store" }, Volumes = { new VolumeMount { Name = "data", ContainerPath = "/data" } } },
            new AppContainer { Name = "web", Image = "registry.test/web:1", Command = { "/app/web" }, Volumes = { new VolumeMount { Name = "data", ContainerPath = "/srv" } } },
        },
    };

    [Test]
    public void A_workload_of_several_becomes_a_pod_of_several_containers_and_back()
    {
        var pod = AppContainerSpec.PodOf("shop", "default", WebAndStore());
        Assert.Multiple(() =>
        {
            Assert.That(pod.Spec.Containers.Select(c => c.Name), Is.EqualTo(new[] { "store", "web" }));
            Assert.That(pod.Spec.Containers[0].Ports.Single().ContainerPort, Is.EqualTo(7000), "the app's ports on its first container");
            Assert.That(pod.Spec.Containers[1].Ports, Is.Null);
            Assert.That(pod.Spec.Volumes.Select(v => v.Name), Is.EqualTo(new[] { "data" }), "a shared volume is one pod volume");
        });
        var back = AppContainerSpec.Of(pod);
        Assert.That(back, Is.EqualTo(WebAndStore()));
    }

    [Test]
    public void A_pod_of_one_container_is_still_a_single_container_app_named_after_it()
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "counter-7f9c" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "counter", Image = "registry.test/testapp:1" }] },
        };
        var spec = AppContainerSpec.Of(pod);
        Assert.Multiple(() =>
        {
            Assert.That(spec.Name, Is.EqualTo("counter"));
            Assert.That(spec.Image, Is.EqualTo("registry.test/testapp:1"));
            Assert.That(spec.Containers, Is.Empty);
        });
    }
}
