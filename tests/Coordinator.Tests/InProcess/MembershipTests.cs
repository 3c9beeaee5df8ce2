using System.Text.Json;
using Federation.Adapters;
using Federation.Cli;
using Federation.Coordinator.Membership;
using Federation.Coordinator.Tests.Support;
using Federation.Testing;
using Federation.Tests.Shared;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// Membership (issue 12): coordinators a and b over fake adapters exchange heartbeats carrying their capacity. a's clock is a
/// <see cref="ManualClock"/> and the test drives its heartbeat rounds (<see cref="MembershipHeartbeats.BeatOnceAsync"/>), so nothing
/// here waits for time to pass (a's own rounds, every 9 s of real time, read the same frozen clock and change nothing the test checks). b stopped is unreachable once the configured
/// 10 s have passed on a's clock since b was last seen, a migration to it is refused with when it was last seen, and it is
/// reachable again at the first heartbeat after its restart.
/// </summary>
[TestFixture]
public sealed class MembershipTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    private readonly ManualClock clock = new(Start);
    private CoordinatorNode a = null!;
    private CoordinatorNode b = null!;
    private string directory = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-membership-").FullName;
        int portA = FreePort.Next(), portB = FreePort.Next();
        string[] common = ["--Coordinator:Adapter:Kind=fake", "--Logging:LogLevel:Default=Warning", "--heartbeat-interval=01:00:00", "--unreachable-after=02:00:00"];
        var bAdapter = new FakeAdapter { Capacity = new CapacityReport(8UL << 30, 3UL << 30, 4, 0.25, 2, 16, "") };
        a = new CoordinatorNode("a", portA, directory,
            ["--Coordinator:Adapter:Kind=fake", "--Logging:LogLevel:Default=Warning", "--heartbeat-interval=00:00:09", "--unreachable-after=00:00:10",
             $"--Coordinator:Peers:b=http://127.0.0.1:{portB}"],
            new FakeAdapter().Module) { Clock = clock };
        b = new CoordinatorNode("b", portB, directory, [.. common, $"--Coordinator:Peers:a=http://127.0.0.1:{portA}"], bAdapter.Module);
        await a.StartAsync();
        await b.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await a.DisposeAsync();
        await b.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private Task BeatAsync() => a.Services.GetRequiredService<MembershipHeartbeats>().BeatOnceAsync(CancellationToken.None);

    private PeerView ViewOfB() => a.Services.GetRequiredService<PeerMembership>().ViewOf("b");

    [Test]
    public async Task A_stopped_peer_is_unreachable_after_the_configured_time_gets_no_migration_and_rejoins_when_restarted()
    {
        await BeatAsync();
        var seen = clock.GetUtcNow();
        Assert.Multiple(() =>
        {
            Assert.That(ViewOfB().State, Is.EqualTo(PeerState.Reachable));
            Assert.That(ViewOfB().LastSeen, Is.EqualTo(seen));
            Assert.That(ViewOfB().Capacity?.MemoryFreeBytes, Is.EqualTo(3UL << 30), "the heartbeat carries b's free capacity");
            Assert.That(ViewOfB().Capacity?.WorkloadSlotsFree, Is.EqualTo(14));
        });

        await b.KillAsync();
        clock.Advance(TimeSpan.FromSeconds(10));
        await BeatAsync();
        Assert.That(ViewOfB().State, Is.EqualTo(PeerState.Reachable), "missed heartbeats within the 10 s limit do not count yet");
        Assert.That(ViewOfB().LastError, Does.Contain("no answer within 3s").Or.Contain("Unavailable"));

        clock.Advance(TimeSpan.FromSeconds(1));
        await BeatAsync();
        Assert.Multiple(() =>
        {
            Assert.That(ViewOfB().State, Is.EqualTo(PeerState.Unreachable), "11 s without a heartbeat");
            Assert.That(ViewOfB().LastSeen, Is.EqualTo(seen), "the time it was last seen is kept");
        });

        GrpcAssert.Status(() => a.Client.MigrateAsync(new MigrateRequest { Workload = "shop/cart", Destination = "b" }).ResponseAsync,
            StatusCode.FailedPrecondition, "cluster 'b' is unreachable (last heartbeat at 2026-11-24 12:00:00Z, limit 10s");
        var (code, _, error) = await Fedctl.RunAsync(Fedctl.WriteConfig(directory, "a", a), "migrate", "shop/cart", "--to", "b");
        Assert.That(code, Is.EqualTo(ExitCodes.Refused), error);
        Assert.That(error.TrimEnd('\n'), Does.Not.Contain("\n").And.Contain("is unreachable"));

        // Back by itself: at b's first heartbeat to a, or at a's first one that gets through (a's channel to b backs off its
        // reconnects after the failures, so a round right after the restart may still fail fast).
        clock.Advance(TimeSpan.FromSeconds(1));
        await b.StartAsync();
        await Eventually.WaitAsync(async () =>
        {
            await BeatAsync();
            return ViewOfB().State == PeerState.Reachable;
        }, "b reachable again after its restart", seconds: 30);
        Assert.That(ViewOfB().LastSeen, Is.EqualTo(clock.GetUtcNow()), "seen at a's clock's now, not the old time");
    }

    [Test]
    public async Task A_peer_that_calls_in_is_seen_with_its_capacity()
    {
        var answer = await a.PeerClientAs("b").ExchangeHeartbeatAsync(new ClusterHeartbeat
        {
            Cluster = "b", Capacity = new ClusterCapacity { Cpus = 2, Workloads = 1, WorkloadSlotsFree = 5 },
        });
        Assert.That(answer.Cluster, Is.EqualTo("a"));
        Assert.That(answer.Capacity.Detail, Does.Contain("the fake adapter was given no capacity"), "an adapter that does not tell says so");
        Assert.That(ViewOfB().Capacity?.WorkloadSlotsTotal, Is.EqualTo(6));
        Assert.That(ViewOfB().LastSeen, Is.EqualTo(clock.GetUtcNow()));
    }

    [Test]
    public void A_peer_may_not_send_heartbeats_for_another_cluster() =>
        GrpcAssert.Status(() => a.PeerClientAs("b").ExchangeHeartbeatAsync(new ClusterHeartbeat { Cluster = "c" }).ResponseAsync,
            StatusCode.PermissionDenied, "peer 'b' may not send heartbeats for cluster 'c'");

    [Test]
    public async Task Fedctl_clusters_shows_each_peers_state_last_heartbeat_and_free_capacity()
    {
        if (!b.Running) await b.StartAsync();
        var config = Fedctl.WriteConfig(directory, "a", a);
        var (code, output, error) = await Fedctl.RunAsync(config, "clusters");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Does.StartWith("CURRENT").And.Contain("STATE").And.Contain("LAST HEARTBEAT").And.Contain("FREE MEMORY").And.Contain("FREE SLOTS"));
        var peerRow = lines.Single(l => l.Contains($"127.0.0.1:{b.Port}"));
        Assert.That(peerRow, Does.Contain("reachable").And.Contain("3.0Gi").And.Contain("14").And.Contain("25%").And.Contain("2026-11-24"));
        Assert.That(lines.Single(l => l.StartsWith('*')), Does.Contain("(this cluster)").And.Contain(a.Address));

        var (jsonCode, json, jsonError) = await Fedctl.RunAsync(config, "clusters", "-o", "json");
        Assert.That(jsonCode, Is.EqualTo(ExitCodes.Ok), jsonError);
        using var parsed = JsonDocument.Parse(json);
        var peer = parsed.RootElement.GetProperty("peers")[0];
        Assert.Multiple(() =>
        {
            Assert.That(peer.GetProperty("name").GetString(), Is.EqualTo("b"));
            Assert.That(peer.GetProperty("state").GetString(), Is.EqualTo("PEER_STATE_REACHABLE"));
            Assert.That(peer.GetProperty("capacity").GetProperty("memoryFreeBytes").GetString(), Is.EqualTo((3UL << 30).ToString()));
            Assert.That(peer.TryGetProperty("lastHeartbeat", out _), Is.True);
        });

        var (localCode, local, _) = await Fedctl.RunAsync(config, "clusters", "--local");
        Assert.That(localCode, Is.EqualTo(ExitCodes.Ok));
        Assert.That(local, Does.Contain("NAME").And.Contain(a.Address));
    }
}
