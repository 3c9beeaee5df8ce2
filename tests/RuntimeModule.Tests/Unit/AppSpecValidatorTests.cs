using Federation.Common;
using Federation.RuntimeModule.Engine;
using Federation.V1;

namespace Federation.RuntimeModule.Tests.Unit;

[TestFixture]
public sealed class AppSpecValidatorTests
{
    private static AppSpec Valid() => new()
    {
        Name = "cart",
        Image = "shop/cart:1",
        Env = { ["MODE"] = "x" },
        Ports = { new PortMapping { ContainerPort = 8080 }, new PortMapping { ContainerPort = 9090, RuntimePort = 9091, Protocol = "udp" } },
        Volumes = { new VolumeMount { Name = "data", ContainerPath = "/data" } },
    };

    [Test]
    public void A_complete_spec_passes() => Assert.DoesNotThrow(() => AppSpecValidator.Validate(Valid()));

    [Test]
    public void Missing_spec_is_refused() => AssertRefused(null, "missing");

    [Test]
    public void Port_zero_is_refused()
    {
        var spec = Valid();
        spec.Ports.Add(new PortMapping { ContainerPort = 0 });
        AssertRefused(spec, "out of range");
    }

    [Test]
    public void Port_above_65535_is_refused()
    {
        var spec = Valid();
        spec.Ports.Add(new PortMapping { ContainerPort = 70000 });
        AssertRefused(spec, "out of range");
    }

    [Test]
    public void The_same_runtime_port_twice_is_refused()
    {
        var spec = Valid();
        spec.Ports.Add(new PortMapping { ContainerPort = 81, RuntimePort = 8080 });
        AssertRefused(spec, "mapped twice");
    }

    [Test]
    public void Unknown_protocol_is_refused()
    {
        var spec = Valid();
        spec.Ports[0].Protocol = "sctp";
        AssertRefused(spec, "sctp");
    }

    [TestCase("relative")]
    [TestCase("/data/../etc")]
    public void Volume_paths_must_be_absolute_without_dotdot(string path)
    {
        var spec = Valid();
        spec.Volumes[0].ContainerPath = path;
        AssertRefused(spec, "volume path");
    }

    [TestCase("")]
    [TestCase("A=B")]
    public void Bad_environment_names_are_refused(string key)
    {
        var spec = Valid();
        spec.Env[key] = "v";
        AssertRefused(spec, "environment");
    }

    [Test]
    public void Ten_thousand_environment_variables_are_refused()
    {
        var spec = Valid();
        for (var i = 0; i < 10_000; i++) spec.Env[$"V{i}"] = "x";
        AssertRefused(spec, "10001 environment variables are more than the 256 allowed");
    }

    [Test]
    public void A_megabyte_environment_value_is_refused()
    {
        var spec = Valid();
        spec.Env["BIG"] = new string('x', 1 << 20);
        AssertRefused(spec, "more than the 32768 allowed");
    }

    [Test]
    public void A_megabyte_command_is_refused()
    {
        var spec = Valid();
        spec.Command.Add(new string('x', 1 << 20));
        AssertRefused(spec, "command is longer");
    }

    private static void AssertRefused(AppSpec? spec, string says)
    {
        var e = Assert.Throws<FederationException>(() => AppSpecValidator.Validate(spec))!;
        Assert.That(e.Error, Is.EqualTo(FederationError.InvalidArgument));
        Assert.That(e.Message, Does.Contain(says));
    }
}
