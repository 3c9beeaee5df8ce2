using Federation.Adapters;
using Federation.Adapters.Docker;
using Federation.Coordinator.Membership;
using Federation.Coordinator.Signals;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>What the seam's capacity report turns into: pressure by resource, the heartbeat's message and back, the Docker host's load.</summary>
[TestFixture]
public sealed class CapacityReportTests
{
    [Test]
    public void A_report_is_pressure_by_resource_and_survives_the_wire()
    {
        var report = new CapacityReport(8UL << 30, 2UL << 30, 4, 1.7, 3, 12, "");
        var sample = PressureOf.Sample(DateTimeOffset.UnixEpoch, report);
        Assert.Multiple(() =>
        {
            Assert.That(sample.Memory, Is.EqualTo(0.75));
            Assert.That(sample.Cpu, Is.EqualTo(1.0), "load above the CPUs counts as full");
            Assert.That(sample.Workloads, Is.EqualTo(0.25));
            Assert.That(CapacityMessages.FromMessage(CapacityMessages.ToMessage(report)), Is.EqualTo(report));
        });
    }

    [Test]
    public void An_unknown_report_has_no_pressure_and_says_why()
    {
        var unknown = CapacityReport.Unknown("the kubernetes adapter does not report capacity yet");
        var sample = PressureOf.Sample(DateTimeOffset.UnixEpoch, unknown);
        Assert.That((sample.Cpu, sample.Memory, sample.Workloads), Is.EqualTo(((double?)null, (double?)null, (double?)null)));
        var message = CapacityMessages.ToMessage(unknown);
        Assert.That(message.HasMemoryFreeBytes || message.HasCpuUsed || message.HasWorkloadSlotsFree, Is.False);
        Assert.That(message.Detail, Does.Contain("does not report capacity"));
    }

    [Test]
    public void The_docker_hosts_load_is_the_load_average_over_its_cpus()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "3.00 2.50 2.00 4/321 12345\n");
            Assert.That(HostLoad.CpuUsed(4, path), Is.EqualTo(0.75));
            Assert.That(HostLoad.CpuUsed(0, path), Is.Null, "no CPUs known");
            File.WriteAllText(path, "garbage");
            Assert.That(HostLoad.CpuUsed(4, path), Is.Null);
            Assert.That(HostLoad.CpuUsed(4, path + ".missing"), Is.Null);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
