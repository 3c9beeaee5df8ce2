using System.Diagnostics;
using Federation.V1;

namespace Federation.Coordinator.Tests.E2e;

/// <summary>
/// A whole application moved live between two local clusters through the coordinators, real Docker and CRIU: Debian's
/// redis-server (images/redis) and the test app's web part (MODE=web, BACKEND=redis), which keeps ONE connection to Redis
/// over localhost in their shared network namespace. Keys are written through the stable address before the move and
/// all through it; after the move every one is there, read through the same stable address at b, no client request
/// failed, and Redis still numbers the web part's connection as before: the connection survived the restore.
/// </summary>
[TestFixture]
[Category("e2e")]
[NonParallelizable]
public sealed class RedisWorkloadMigrationTests
{
    private const int KeysBefore = 200;

    [Test]
    public async Task A_web_app_and_redis_move_live_with_every_key_and_the_same_connection_between_them()
    {
        const string name = "webredis";
        var clock = Stopwatch.StartNew();
        var (deployed, port, first) = await StableAddressClient.DeployAsync(name, TestApp.WebAndRedis(name, TestEnvironment.TestAppImage, TestEnvironment.RedisImage));
        try
        {
            Assert.That(first, Does.Match(@"^client_id=\d+ keys=0 backend_connects=1$"));
            var clientId = first.Split(' ')[0];
            var written = new List<string>();
            for (var i = 0; i < KeysBefore; i++)
            {
                Assert.That(await TestApp.SendAsync(port, $"PUT before-{i} {Value($"before-{i}")}"), Is.EqualTo("ok"));
                written.Add($"before-{i}");
            }
            var filled = clock.Elapsed;

            // One client asks for STATS, another writes keys: both through the stable address, during the whole migration.
            await using var stats = new StableAddressClient(port, TimeSpan.FromMinutes(3));
            await using var writer = new StableAddressClient(port, TimeSpan.FromMinutes(3), i => $"PUT during-{i} {Value($"during-{i}")}");
            var started = await LocalClusters.A.Client.MigrateAsync(new MigrateRequest
            {
                Workload = $"default/{name}",
                Destination = "b",
                Options = new MigrationOptions { PrecopyRounds = 2 },
            });
            var migration = await LocalClusters.A.WaitForEndAsync(started.MigrationId, TimeSpan.FromMinutes(3));
            await writer.StopAsync();
            await stats.StopAsync();
            var during = writer.Answered.Select(line => line.Split(' ')[1]).ToList();
            written.AddRange(during);
            MigrationTests.Report(migration, null);
            TestContext.Out.WriteLine($"STATS: {stats.Answers.Count} answers, {stats.Failures.Count} failures, longest {stats.LongestRequest.TotalMilliseconds:F0} ms; " +
                                      $"PUT: {writer.Answers.Count} answers, {writer.Failures.Count} failures, longest {writer.LongestRequest.TotalMilliseconds:F0} ms; " +
                                      $"{written.Count} keys ({KeysBefore} before, {during.Count} during); deployed and filled in {filled.TotalSeconds:F1} s");
            foreach (var failure in stats.Failures.Concat(writer.Failures).Take(5)) TestContext.Out.WriteLine(failure);

            var inB = (await LocalClusters.WorkloadsAsync(LocalClusters.B)).SingleOrDefault(w => w.Ref.Name == name);
            var sizes = stats.Answers.Select(a => a.Split(' ').FirstOrDefault(f => f.StartsWith("keys=", StringComparison.Ordinal)) is { } keys ? int.Parse(keys[5..], System.Globalization.CultureInfo.InvariantCulture) : -1).ToList();
            var inA = await LocalClusters.WorkloadsAsync(LocalClusters.A);
            Assert.Multiple(() =>
            {
                Assert.That(migration.Phase, Is.EqualTo(MigrationPhase.Completed), migration.Error);
                Assert.That(stats.Failures, Is.Empty, "no STATS request through the stable address failed during the move");
                Assert.That(writer.Failures, Is.Empty, "no write through the stable address failed during the move");
                Assert.That(stats.Answers, Has.Count.GreaterThan(10));
                Assert.That(writer.Answers, Has.Count.GreaterThan(10), "keys were written during the move");
                Assert.That(writer.Answers.All(a => a == "ok"), Is.True, "every write during the move was stored: " + string.Join(" | ", writer.Answers.Distinct().Take(3)));
                Assert.That(stats.Answers.All(a => a.StartsWith($"{clientId} keys=", StringComparison.Ordinal) && a.EndsWith(" backend_connects=1", StringComparison.Ordinal)), Is.True,
                    "every answer came through the one connection the web part opened at its start: " + string.Join(" | ", stats.Answers.Distinct().Take(3)));
                Assert.That(sizes.Zip(sizes.Skip(1)).All(p => p.Second >= p.First), Is.True, "Redis' key count never went back: " + string.Join(" ", sizes.Distinct()));
                Assert.That(inB?.Role, Is.EqualTo(WorkloadRole.Active), "the workload runs in cluster b");
                Assert.That(inB?.StableAddress, Is.EqualTo(deployed.StableAddress), "b shows the stable address the client used");
                Assert.That(inA.Select(w => w.Ref.Name), Does.Not.Contain(name), "the source workload is gone from a");
            });

            var wrong = new List<string>();
            foreach (var key in written)
            {
                var answer = await TestApp.SendAsync(port, $"GET {key}");
                if (answer != $"value={Value(key)}") wrong.Add($"{key}: {answer}");
            }
            Assert.That(wrong, Is.Empty, $"every one of the {written.Count} keys, read through the stable address at b");
            Assert.That(await TestApp.SendAsync(port, "STATS"), Is.EqualTo($"{clientId} keys={written.Count} backend_connects=1"),
                "Redis holds exactly the keys written (DBSIZE), and neither did the web part open a new connection nor did Redis number one anew: the connection is the one from before the move");
            Assert.That(await TestApp.SendAsync(port, "PUT after-move yes"), Is.EqualTo("ok"), "the connection carries writes after the move");
            Assert.That(await TestApp.SendAsync(port, "STATS"), Is.EqualTo($"{clientId} keys={written.Count + 1} backend_connects=1"));
            TestContext.Out.WriteLine($"whole test {clock.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            await LocalClusters.RemoveWorkloadEverywhereAsync(name);
        }
    }

    private static string Value(string key) => "value of " + key;
}
