using Federation.Coordinator.Hosting;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>The core names no orchestrator: adapters plug in through their modules, and the configured kind must be one of them.</summary>
[TestFixture]
public sealed class AdapterSeamTests
{
    [Test]
    public void The_coordinator_core_references_no_adapter_and_no_orchestrator_client()
    {
        var referenced = typeof(CoordinatorApp).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "").ToList();
        Assert.That(referenced, Does.Contain("Federation.Adapters.Abstractions"), "the seam itself");
        Assert.That(referenced.Where(n => n.StartsWith("Federation.Adapters.", StringComparison.Ordinal) && n != "Federation.Adapters.Abstractions"), Is.Empty);
        Assert.That(referenced.Where(n => n.StartsWith("Docker.", StringComparison.Ordinal) || n.StartsWith("KubernetesClient", StringComparison.Ordinal)), Is.Empty);
    }

    [TestCase("--adapter=nosuch", "adapter kind 'nosuch' is not supported (fake)")]
    [TestCase("--Coordinator:Adapter:Kind=docker", "adapter kind 'docker' is not supported (fake)")]
    public async Task A_kind_the_host_does_not_offer_stops_the_start_with_one_line(string kind, string mentions)
    {
        var directory = Directory.CreateTempSubdirectory("fedtest-seam-").FullName;
        try
        {
            using var error = new StringWriter();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var code = await CoordinatorMain.RunAsync(["--cluster", "seam", "--port", "0", "--journal", Path.Combine(directory, "seam.db"), kind],
                [new FakeAdapter().Module], error, timeout.Token);
            Assert.That(code, Is.EqualTo(CoordinatorMain.InvalidConfiguration));
            Assert.That(error.ToString().TrimEnd(), Does.Contain(mentions).And.Not.Contain("\n"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
