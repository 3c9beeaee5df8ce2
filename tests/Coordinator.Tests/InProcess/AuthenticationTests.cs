using Federation.Common.Auth;
using Federation.Coordinator.Auth;
using Federation.Coordinator.Hosting;
using Federation.Coordinator.Tests.Support;
using Federation.Testing;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// Who may call a coordinator (issue 8, defect 2): the operator API only with the operator token, the peer API only as a
/// configured peer with the secret both share; no or a wrong credential is Unauthenticated, the other API's credential
/// PermissionDenied. Three coordinators over fake adapters on 127.0.0.1: a and b share a secret; a and c hold different
/// secrets for each other.
/// </summary>
[TestFixture]
public sealed class AuthenticationTests
{
    private CoordinatorNode a = null!;
    private CoordinatorNode b = null!;
    private CoordinatorNode c = null!;
    private string directory = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-auth-").FullName;
        int portA = FreePort.Next(), portB = FreePort.Next(), portC = FreePort.Next();
        string[] common = ["--Coordinator:Adapter:Kind=fake", "--Logging:LogLevel:Default=Warning"];
        a = new CoordinatorNode("a", portA, directory,
            [.. common, $"--Coordinator:Peers:b=http://127.0.0.1:{portB}", $"--Coordinator:Peers:c=http://127.0.0.1:{portC}",
             $"--peer-secret=c={Secret("a-knows-c")}"], new FakeAdapter().Module);
        b = new CoordinatorNode("b", portB, directory, [.. common, $"--Coordinator:Peers:a=http://127.0.0.1:{portA}"], new FakeAdapter().Module);
        c = new CoordinatorNode("c", portC, directory,
            [.. common, $"--Coordinator:Peers:a=http://127.0.0.1:{portA}", "--peer-secret", $"a={Secret("c-knows-a")}"], new FakeAdapter().Module);
        foreach (var node in new[] { a, b, c }) await node.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        foreach (var node in new[] { a, b, c }) await node.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    // ---- no credential ----

    [Test]
    public void Operator_API_without_a_credential_is_Unauthenticated() =>
        GrpcAssert.Status(() => a.OperatorClient().ListWorkloadsAsync(new ListWorkloadsRequest()).ResponseAsync, StatusCode.Unauthenticated,
            "cluster 'a' serves its operator API to operators only: the call carries no operator token");

    [Test]
    public void A_stream_of_the_operator_API_without_a_credential_is_Unauthenticated() =>
        GrpcAssert.Status(async () =>
        {
            using var watch = a.OperatorClient().Watch(new WatchRequest { MigrationId = "m0000000001" });
            await watch.ResponseStream.MoveNext();
        }, StatusCode.Unauthenticated, "carries no operator token");

    [Test]
    public void Peer_API_without_a_credential_is_Unauthenticated() =>
        GrpcAssert.Status(() => a.PeerClient().HeartbeatAsync(new HeartbeatRequest { SourceCluster = "b" }).ResponseAsync, StatusCode.Unauthenticated,
            "cluster 'a' serves its peer API to configured peers only: the call carries no peer credential");

    // ---- wrong credential ----

    [Test]
    public void A_wrong_operator_token_is_Unauthenticated() =>
        GrpcAssert.Status(() => a.OperatorClient(Bearer(BearerToken.New())).ListWorkloadsAsync(new ListWorkloadsRequest()).ResponseAsync,
            StatusCode.Unauthenticated, "the operator token given is wrong");

    [Test]
    public void Another_clusters_operator_token_is_Unauthenticated() =>
        GrpcAssert.Status(() => a.OperatorClient(Bearer(b.OperatorToken)).ListWorkloadsAsync(new ListWorkloadsRequest()).ResponseAsync,
            StatusCode.Unauthenticated, "the operator token given is wrong");

    [Test]
    public void A_wrong_peer_secret_is_Unauthenticated() =>
        GrpcAssert.Status(() => a.PeerClient(PeerMetadata.Of("b", BearerToken.New())).HeartbeatAsync(new HeartbeatRequest { SourceCluster = "b" }).ResponseAsync,
            StatusCode.Unauthenticated, "the secret peer 'b' gave to cluster 'a' is wrong");

    [Test]
    public void One_peers_secret_under_another_peers_name_is_Unauthenticated() =>
        GrpcAssert.Status(() => a.PeerClient(PeerMetadata.Of("c", SecretOf(a, "b"))).HeartbeatAsync(new HeartbeatRequest { SourceCluster = "c" }).ResponseAsync,
            StatusCode.Unauthenticated, "the secret peer 'c' gave to cluster 'a' is wrong");

    [Test]
    public void A_cluster_that_is_not_a_peer_is_Unauthenticated() =>
        GrpcAssert.Status(() => a.PeerClient(PeerMetadata.Of("mallory", SecretOf(a, "b"))).HeartbeatAsync(new HeartbeatRequest { SourceCluster = "mallory" }).ResponseAsync,
            StatusCode.Unauthenticated, "'mallory' is not a peer of cluster 'a'");

    [Test]
    public void A_peer_name_without_its_secret_is_Unauthenticated() =>
        GrpcAssert.Status(() => a.PeerClient(PeerMetadata.Of("b", secret: null)).HeartbeatAsync(new HeartbeatRequest { SourceCluster = "b" }).ResponseAsync,
            StatusCode.Unauthenticated, "peer 'b' gave no secret");

    [Test]
    public void A_peer_secret_without_the_peers_name_is_Unauthenticated() =>
        GrpcAssert.Status(() => a.PeerClient(Bearer(SecretOf(a, "b"))).HeartbeatAsync(new HeartbeatRequest { SourceCluster = "b" }).ResponseAsync,
            StatusCode.Unauthenticated, "the call does not say which peer it is");

    // ---- the other API's credential ----

    [Test]
    public void A_peer_credential_on_the_operator_API_is_PermissionDenied() =>
        GrpcAssert.Status(() => a.OperatorClient(PeerMetadata.Of("b", SecretOf(a, "b"))).CancelMigrationAsync(new CancelMigrationRequest { MigrationId = "m0000000002" }).ResponseAsync,
            StatusCode.PermissionDenied, "peer 'b' may not call the operator API of cluster 'a' (operators only)");

    [Test]
    public void The_operator_token_on_the_peer_API_is_PermissionDenied() =>
        GrpcAssert.Status(() => a.PeerClient(Bearer(a.OperatorToken)).AbortAsync(new AbortRequest { MigrationId = "m0000000003" }).ResponseAsync,
            StatusCode.PermissionDenied, "the operator token does not admit to the peer API of cluster 'a'");

    // ---- the right credential ----

    [Test]
    public async Task The_operator_token_and_a_peers_secret_are_admitted()
    {
        Assert.That((await a.OperatorClient(Bearer(a.OperatorToken)).ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads, Is.Empty);
        Assert.That((await a.PeerClientAs("b").HeartbeatAsync(new HeartbeatRequest { SourceCluster = "b" })).State, Is.EqualTo(TargetState.Unknown));
    }

    [Test]
    public async Task Coordinators_call_each_other_with_their_shared_secret_and_a_mismatched_one_is_refused()
    {
        var peers = (await a.Client.ListPeersAsync(new ListPeersRequest())).Peers.ToDictionary(p => p.Name);
        var back = (await b.Client.ListPeersAsync(new ListPeersRequest())).Peers.Single();
        Assert.Multiple(() =>
        {
            Assert.That(peers["b"].Reachable, Is.True, peers["b"].Detail);
            Assert.That(back.Reachable, Is.True, back.Detail);
            Assert.That(peers["c"].Reachable, Is.False);
            Assert.That(peers["c"].Detail, Does.Contain("Unauthenticated").And.Contain("the secret peer 'a' gave to cluster 'c' is wrong"));
        });
    }

    [Test]
    public void The_operator_token_is_made_beside_the_journal_readable_by_its_owner_only()
    {
        Assert.That(a.OperatorTokenPath, Is.EqualTo(Path.Combine(directory, "operator-token-a")));
        Assert.That(File.ReadAllText(a.OperatorTokenPath), Is.EqualTo(a.OperatorToken));
        if (!OperatingSystem.IsWindows()) Assert.That(File.GetUnixFileMode(a.OperatorTokenPath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(a.OperatorToken, Is.Not.EqualTo(b.OperatorToken), "each cluster has its own");
    }

    [Test]
    public async Task The_operator_token_survives_a_restart()
    {
        var before = b.OperatorToken;
        await b.RestartAsync();
        Assert.That(b.OperatorToken, Is.EqualTo(before));
        Assert.That((await b.Client.ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads, Is.Empty);
    }

    [Test]
    public async Task An_operator_token_file_of_the_operators_choosing_is_used()
    {
        var token = BearerToken.New();
        var file = Path.Combine(directory, "my-token");
        await File.WriteAllTextAsync(file, token + "\n");
        await using var node = new CoordinatorNode("given", FreePort.Next(), directory,
            ["--Coordinator:Adapter:Kind=fake", "--Logging:LogLevel:Default=Warning", "--operator-token-file", file], new FakeAdapter().Module);
        await node.StartAsync();
        Assert.That(node.OperatorTokenPath, Is.EqualTo(file));
        Assert.That((await node.OperatorClient(Bearer(token)).ListWorkloadsAsync(new ListWorkloadsRequest())).Workloads, Is.Empty);
        Assert.That(File.Exists(Path.Combine(directory, "operator-token-given")), Is.False, "no token of its own is made");
    }

    // ---- bad credential settings stop the start with one line ----

    private static IEnumerable<TestCaseData> BadCredentialSettings()
    {
        yield return new TestCaseData("no-secret", "peer 'b' has no shared secret: set --peer-secret b=FILE (Coordinator:PeerSecrets:b), or run with --insecure")
            .SetName("Coordinator_exits_with_one_line_for_a_peer_without_a_secret");
        yield return new TestCaseData("missing-secret-file", "the secret file of peer 'b'").SetName("Coordinator_exits_with_one_line_for_a_missing_peer_secret_file");
        yield return new TestCaseData("empty-secret-file", "is empty").SetName("Coordinator_exits_with_one_line_for_an_empty_peer_secret_file");
        yield return new TestCaseData("secret-of-no-peer", "a secret is set for 'x', which is not a configured peer").SetName("Coordinator_exits_with_one_line_for_a_secret_of_no_peer");
        yield return new TestCaseData("malformed-peer-secret", "--peer-secret 'b' is not PEER=FILE").SetName("Coordinator_exits_with_one_line_for_a_malformed_peer_secret");
        yield return new TestCaseData("missing-token-file", "the operator token file (--operator-token-file").SetName("Coordinator_exits_with_one_line_for_a_missing_operator_token_file");
    }

    [TestCaseSource(nameof(BadCredentialSettings))]
    public async Task Coordinator_refuses_to_start_with_bad_credential_settings(string scenario, string mentions)
    {
        var missing = Path.Combine(directory, "absent-secret");
        var empty = Path.Combine(directory, "empty-secret");
        await File.WriteAllTextAsync(empty, "\n");
        string[] peer = ["--Coordinator:Peers:b=http://127.0.0.1:1"];
        string[] settings = scenario switch
        {
            "no-secret" => peer,
            "missing-secret-file" => [.. peer, "--peer-secret", $"b={missing}"],
            "empty-secret-file" => [.. peer, "--peer-secret", $"b={empty}"],
            "secret-of-no-peer" => [.. peer, "--peer-secret", $"b={Secret("ok")}", "--peer-secret", $"x={Secret("ok")}"],
            "malformed-peer-secret" => [.. peer, "--peer-secret", "b"],
            "missing-token-file" => ["--operator-token-file", missing],
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var code = await CoordinatorMain.RunAsync(
            ["--cluster", "bad", "--port", "0", "--journal", Path.Combine(directory, $"bad-{scenario}.db"), "--Coordinator:Adapter:Kind=fake", .. settings],
            [new FakeAdapter().Module], error, timeout.Token);
        TestContext.Out.WriteLine($"exit {code}: {error}");
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(CoordinatorMain.InvalidConfiguration));
            Assert.That(error.ToString().TrimEnd('\n', '\r'), Does.Not.Contain("\n"), "one line");
            Assert.That(error.ToString(), Does.Contain(mentions));
            Assert.That(error.ToString(), Does.Not.Contain("   at "), "no stack trace");
        });
    }

    private string Secret(string name)
    {
        var path = Path.Combine(directory, $"secret-{name}");
        SecretFile.LoadOrCreate(path);
        return path;
    }

    private static string SecretOf(CoordinatorNode node, string peer) => node.Services.GetRequiredService<CoordinatorCredentials>().SecretOf(peer)!;

    private static KeyValuePair<string, string>[] Bearer(string token) => [new(BearerToken.Header, BearerToken.HeaderValue(token))];
}
