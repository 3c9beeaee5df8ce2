using Federation.Cli;
using Federation.Coordinator.Tests.Support;
using Federation.V1;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// Membership over the Docker-host adapter (issue 12): the local clusters' heartbeats carry what the Docker host tells of its
/// room (memory and CPUs from the engine, free memory and load from this machine, runtimes against --max-workloads), and
/// `fedctl clusters` shows it for each peer.
/// </summary>
[TestFixture]
public sealed class ClusterCapacityTests
{
    [Test]
    public async Task Peers_heartbeats_carry_the_docker_hosts_free_capacity()
    {
        var peers = await LocalClusters.A.Client.ListPeersAsync(new ListPeersRequest());
        var b = peers.Peers.Single(p => p.Name == "b");
        var full = peers.Peers.Single(p => p.Name == "full");
        Assert.Multiple(() =>
        {
            Assert.That(b.State, Is.EqualTo(PeerState.Reachable), b.Detail);
            Assert.That(b.LastHeartbeat, Is.Not.Null);
            Assert.That(b.Capacity.Cpus, Is.GreaterThan(0));
            Assert.That(b.Capacity.HasMemoryTotalBytes && b.Capacity.MemoryTotalBytes > 0, Is.True, b.Capacity.ToString());
            Assert.That(b.Capacity.HasMemoryFreeBytes && b.Capacity.MemoryFreeBytes <= b.Capacity.MemoryTotalBytes, Is.True, b.Capacity.ToString());
            Assert.That(b.Capacity.HasCpuUsed, Is.True, "a local engine's load is known");
            Assert.That(b.Capacity.HasWorkloadSlotsFree, Is.True);
            Assert.That(full.Capacity.HasWorkloadSlotsFree && full.Capacity.WorkloadSlotsFree == 0, Is.True, "--max-workloads=0: " + full.Capacity);
            Assert.That(peers.Capacity.Cpus, Is.GreaterThan(0), "the cluster's own capacity");
        });

        var config = Fedctl.WriteConfig(Path.GetTempPath(), "a", LocalClusters.A);
        try
        {
            var (code, output, error) = await Fedctl.RunAsync(config, "clusters");
            Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
            var fullRow = output.Split('\n').Single(l => l.Contains($"127.0.0.1:{LocalClusters.Full.Port}"));
            Assert.That(fullRow, Does.Contain("reachable").And.Match(@"Gi\s+0\s"), "free memory, then no free slot");
        }
        finally
        {
            File.Delete(config);
        }
    }
}
