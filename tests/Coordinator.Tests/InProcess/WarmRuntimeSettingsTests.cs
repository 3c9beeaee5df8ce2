using Federation.Adapters;
using Federation.Adapters.Docker;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>The Docker-host adapter's warm runtime settings: what is accepted, and one line for each mistake.</summary>
[TestFixture]
public sealed class WarmRuntimeSettingsTests
{
    private static readonly DockerHostSettingsValidator Validator = new(new ClusterContext("a", Path.GetTempPath(), DockerAdapterRegistration.Kind));

    [TestCase(-1)]
    [TestCase(DockerHostSettings.MaxWarmRuntimes + 1)]
    public void A_warm_runtime_count_out_of_bounds_is_refused(int count)
    {
        var result = Validator.Validate(null, Settings(warm: count));
        Assert.That(result.Failures, Is.EqualTo(new[] { $"adapter warm runtimes must be 0 to {DockerHostSettings.MaxWarmRuntimes} (--warm-runtimes)" }));
    }

    [TestCase("7000,http")]
    [TestCase("0")]
    [TestCase("65536")]
    [TestCase("-80")]
    public void Warm_runtime_ports_that_are_not_ports_are_refused(string ports)
    {
        var result = Validator.Validate(null, Settings(ports: ports));
        Assert.That(result.Failures, Has.One.Contains("are not comma-separated port numbers 1 to 65535 (--warm-runtime-ports)"));
    }

    [Test]
    public void More_warm_runtime_ports_than_a_spare_may_learn_are_refused()
    {
        var result = Validator.Validate(null, Settings(ports: string.Join(",", Enumerable.Range(7000, WarmRuntimePool.MaxLearnedPorts + 1))));
        Assert.That(result.Failures, Has.One.Contains($"more than {WarmRuntimePool.MaxLearnedPorts} ports"));
    }

    [Test]
    public void Zero_turns_the_pool_off_and_ports_are_parsed()
    {
        var settings = Settings(warm: 0, ports: " 7000, 8080 ");
        Assert.Multiple(() =>
        {
            Assert.That(Validator.Validate(null, settings).Succeeded, Is.True);
            Assert.That(settings.ParsedWarmRuntimePorts(), Is.EqualTo(new[] { 7000, 8080 }));
            Assert.That(new DockerHostSettings().WarmRuntimes, Is.EqualTo(1), "one spare by default");
        });
    }

    private static DockerHostSettings Settings(int warm = 1, string ports = "") =>
        new() { RuntimeImage = "federation/runtime:test", WarmRuntimes = warm, WarmRuntimePorts = ports };
}
