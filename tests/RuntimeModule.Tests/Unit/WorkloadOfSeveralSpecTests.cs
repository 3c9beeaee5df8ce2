using Federation.Common;
using Federation.RuntimeModule.Engine;
using Federation.V1;

namespace Federation.RuntimeModule.Tests.Unit;

/// <summary>The spec of a workload of several containers: what passes, what is refused with one line, and how it reads as one list.</summary>
[TestFixture]
public sealed class WorkloadOfSeveralSpecTests
{
    private static AppSpec Valid() => new()
    {
        Name = "shop",
        Ports = { new PortMapping { ContainerPort = 7000 } },
        Containers =
        {
            new AppContainer { Name = "store", Image = "shop/store:1", Env = { ["MODE"] = "store" }, Volumes = { new VolumeMount { Name = "data", ContainerPath = "/data" } } },
            new AppContainer { Name = "web", Image = "shop/web:1", Command = { "/app/web" }, Volumes = { new VolumeMount { Name = "data", ContainerPath = "/srv/data", ReadOnly = true } } },
        },
    };

    [Test]
    public void A_workload_of_two_containers_sharing_a_volume_passes() => Assert.DoesNotThrow(() => AppSpecValidator.Validate(Valid()));

    private static IEnumerable<TestCaseData> Refused()
    {
        yield return Case(s => s.Containers[1].Name = "store", "container name 'store' is used twice", "duplicate container names");
        yield return Case(s => s.Containers[0].Name = "Store_1", "container name 'Store_1' is not a DNS label", "a bad container name");
        yield return Case(s => s.Containers[0].Name = "", "container name is empty", "an empty container name");
        yield return Case(s => s.Containers[1].Image = "", "container 'web': image reference is empty", "a container without an image");
        yield return Case(s => s.Containers[1].Image = "Bad Image", "container 'web': image reference 'Bad Image' is malformed", "a malformed image");
        yield return Case(s => s.Image = "shop/all:1", "lists containers and also has a top-level image", "both forms at once (image)");
        yield return Case(s => s.Env["X"] = "1", "lists containers and also has a top-level image, command, env or volumes", "both forms at once (env)");
        yield return Case(s => s.Containers[0].Env["A=B"] = "1", "container 'store': environment variable name 'A=B' is invalid", "a bad variable name");
        yield return Case(s => s.Containers[1].Volumes.Add(new VolumeMount { Name = "logs", ContainerPath = "/srv/data" }),
            "container 'web': two volumes are mounted at '/srv/data'", "two volumes at one path");
        yield return Case(s => s.Containers[1].Volumes[0].ContainerPath = "relative", "container 'web': volume path 'relative' must be absolute", "a relative volume path");
        yield return Case(s =>
        {
            for (var i = 0; i < AppSpecValidator.MaxContainers; i++) s.Containers.Add(new AppContainer { Name = $"c{i}", Image = "x:1" });
        }, "containers are more than the 16 allowed", "too many containers");
    }

    [TestCaseSource(nameof(Refused))]
    public void A_bad_workload_is_refused_with_one_line(Action<AppSpec> change, string expected)
    {
        var spec = Valid();
        change(spec);
        var e = Assert.Throws<FederationException>(() => AppSpecValidator.Validate(spec))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Error, Is.EqualTo(FederationError.InvalidArgument));
            Assert.That(e.Message, Does.Contain(expected));
            Assert.That(e.Message, Does.Not.Contain("\n"));
        });
    }

    [Test]
    public void A_spec_without_containers_is_one_container_named_after_the_app()
    {
        var single = new AppSpec { Name = "cart", Image = "shop/cart:1", Command = { "run" }, Env = { ["A"] = "1" }, Volumes = { new VolumeMount { Name = "v", ContainerPath = "/v" } } };
        var containers = AppSpecContainers.Of(single);
        Assert.Multiple(() =>
        {
            Assert.That(AppSpecContainers.IsListed(single), Is.False);
            Assert.That(containers, Has.Count.EqualTo(1));
            Assert.That(containers[0].Name, Is.EqualTo("cart"));
            Assert.That(containers[0].Image, Is.EqualTo("shop/cart:1"));
            Assert.That(containers[0].Command, Is.EqualTo(new[] { "run" }));
            Assert.That(containers[0].Env["A"], Is.EqualTo("1"));
            Assert.That(containers[0].Volumes.Single().Name, Is.EqualTo("v"));
        });
    }

    [Test]
    public void Images_are_each_listed_once_in_container_order()
    {
        var spec = Valid();
        spec.Containers.Add(new AppContainer { Name = "worker", Image = "shop/store:1" });
        Assert.That(AppSpecContainers.Images(spec), Is.EqualTo(new[] { "shop/store:1", "shop/web:1" }));
        Assert.That(AppSpecContainers.MainImage(spec), Is.EqualTo("shop/store:1"));
    }

    [Test]
    public void A_shared_volume_is_carried_by_the_first_container_that_mounts_it()
    {
        var spec = Valid();
        Assert.Multiple(() =>
        {
            Assert.That(ContainerFilesystemSpecs.Of(spec, 0).Volumes.Select(v => v.Name), Is.EqualTo(new[] { "data" }));
            Assert.That(ContainerFilesystemSpecs.Of(spec, 1).Volumes, Is.Empty, "the web part's view of the shared volume is not saved twice");
            Assert.That(ContainerFilesystemSpecs.Of(spec, 1).Image, Is.EqualTo("shop/web:1"));
        });
    }

    [Test]
    public void Ambassador_output_lines_get_the_container_prefix()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Ambassador.AmbassadorRunner.Prefixed("a\nb\n", "[web] ", startsLine: true), Is.EqualTo("[web] a\n[web] b\n"));
            Assert.That(Ambassador.AmbassadorRunner.Prefixed("rest\nnext", "[web] ", startsLine: false), Is.EqualTo("rest\n[web] next"));
        });
    }

    private static TestCaseData Case(Action<AppSpec> change, string expected, string name) => new TestCaseData(change, expected).SetName(name);
}
