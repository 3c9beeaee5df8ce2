using System.Diagnostics;
using Federation.Adapters;
using Federation.Cli;
using Federation.Cli.Config;
using Federation.Coordinator.Hosting;
using Federation.Coordinator.Tests.Support;
using Federation.Testing;
using Federation.V1;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// Coordinators in process with TLS and mutual TLS (real Kestrel on 127.0.0.1, HTTP/2 over TLS), certificates made by the test:
/// fedctl with the config's CA and client certificate, refusals in both directions, peers over mutual TLS, bad TLS files at start.
/// </summary>
[TestFixture]
public sealed class TlsTests
{
    private readonly FakeAdapter adapter = new();
    private string directory = "";
    private TestCertificates pki = null!;
    private TestCertificates.Issued authority = null!;
    private TestCertificates.Issued otherAuthority = null!;
    private TestCertificates.Issued server = null!;
    private TestCertificates.Issued client = null!;
    private TestCertificates.Issued stranger = null!;
    private CoordinatorNode tls = null!;
    private CoordinatorNode mutual = null!;
    private CoordinatorNode mutualPeer = null!;
    private CoordinatorNode anonymousPeer = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-tls-").FullName;
        pki = new TestCertificates(directory);
        authority = pki.CreateAuthority("federation-ca");
        otherAuthority = pki.CreateAuthority("other-ca");
        server = pki.CreateServer("coordinator", authority);
        client = pki.CreateClient("operator", authority);
        stranger = pki.CreateClient("stranger", otherAuthority);
        adapter.Add(new WorkloadId("shop", "cart"), new Uri("http://127.0.0.1:1"));

        int tlsPort = FreePort.Next(), mutualPort = FreePort.Next(), peerPort = FreePort.Next(), anonymousPort = FreePort.Next();
        string[] common = ["--Coordinator:Adapter:Kind=fake", "--Logging:LogLevel:Default=Warning", "--tls-cert", server.Certificate, "--tls-key", server.Key];
        string[] mutualTls = [.. common, "--client-ca", authority.Certificate, "--peer-ca", authority.Certificate];
        tls = new CoordinatorNode("tls", tlsPort, directory, common, adapter.Module, https: true);
        mutual = new CoordinatorNode("mtls", mutualPort, directory,
            [.. mutualTls, "--peer-cert", client.Certificate, "--peer-key", client.Key, $"--Coordinator:Peers:peer=https://127.0.0.1:{peerPort}"],
            adapter.Module, https: true);
        mutualPeer = new CoordinatorNode("peer", peerPort, directory,
            [.. mutualTls, "--peer-cert", client.Certificate, "--peer-key", client.Key, $"--Coordinator:Peers:mtls=https://127.0.0.1:{mutualPort}"],
            new FakeAdapter().Module, https: true);
        anonymousPeer = new CoordinatorNode("anonymous", anonymousPort, directory,
            [.. mutualTls, $"--Coordinator:Peers:mtls=https://127.0.0.1:{mutualPort}"], new FakeAdapter().Module, https: true);
        foreach (var node in new[] { tls, mutual, mutualPeer, anonymousPeer }) await node.StartAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        foreach (var node in new[] { tls, mutual, mutualPeer, anonymousPeer }) await node.DisposeAsync();
        pki.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Test]
    public async Task Fedctl_lists_clusters_workloads_and_migrations_over_tls()
    {
        var config = Fedctl.WriteTlsConfig(directory, "tls", tls.Address, authority.Certificate, tokenFile: tls.OperatorTokenPath);

        var (clustersCode, clusters, _) = await Fedctl.RunAsync(config, "clusters");
        Assert.That(clustersCode, Is.EqualTo(ExitCodes.Ok));
        Assert.That(clusters, Does.Contain(tls.Address));

        var (code, output, error) = await Fedctl.RunAsync(config, "workloads");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        Assert.That(output, Does.Contain("shop/cart"));

        var (migrationsCode, _, migrationsError) = await Fedctl.RunAsync(config, "migrations", "-o", "json");
        Assert.That(migrationsCode, Is.EqualTo(ExitCodes.Ok), migrationsError);
    }

    [Test]
    public async Task A_pkcs12_server_certificate_with_its_password_serves_tls()
    {
        var pfx = pki.WritePkcs12(server, "s3cret");
        await using var node = new CoordinatorNode("pfx", FreePort.Next(), directory,
            ["--Coordinator:Adapter:Kind=fake", "--Logging:LogLevel:Default=Warning", "--tls-cert", pfx, "--Coordinator:Tls:Password=s3cret"], adapter.Module, https: true);
        await node.StartAsync();
        var (code, output, error) = await Fedctl.RunAsync(Fedctl.WriteTlsConfig(directory, "pfx", node.Address, authority.Certificate, tokenFile: node.OperatorTokenPath), "workloads");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        Assert.That(output, Does.Contain("shop/cart"));
    }

    [Test]
    public async Task Fedctl_with_a_client_certificate_of_the_trusted_ca_passes_mutual_tls()
    {
        var config = Fedctl.WriteTlsConfig(directory, "mtls", mutual.Address, authority.Certificate, client.Certificate, client.Key, mutual.OperatorTokenPath);
        var (code, output, error) = await Fedctl.RunAsync(config, "workloads");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        Assert.That(output, Does.Contain("shop/cart"));
    }

    [Test]
    public async Task Fedctl_without_a_client_certificate_is_refused_by_mutual_tls()
    {
        var config = Fedctl.WriteTlsConfig(directory, "mtls", mutual.Address, authority.Certificate);
        await AssertUnreachableAsync(config, "refused the TLS connection", "client certificate");
    }

    [Test]
    public async Task Fedctl_with_a_client_certificate_of_another_ca_is_refused_by_mutual_tls()
    {
        var config = Fedctl.WriteTlsConfig(directory, "mtls", mutual.Address, authority.Certificate, stranger.Certificate, stranger.Key);
        await AssertUnreachableAsync(config, "refused the TLS connection", "client certificate");
    }

    [Test]
    public async Task Fedctl_refuses_a_server_certificate_of_an_untrusted_ca()
    {
        var config = Fedctl.WriteTlsConfig(directory, "tls", tls.Address, otherAuthority.Certificate);
        await AssertUnreachableAsync(config, "not trusted", "certificate-authority");
    }

    [Test]
    public async Task Fedctl_without_a_ca_refuses_a_server_certificate_the_system_does_not_trust()
    {
        var config = Fedctl.WriteTlsConfig(directory, "tls", tls.Address, authority: null);
        await AssertUnreachableAsync(config, "not trusted", "system roots");
    }

    [Test]
    public async Task Fedctl_with_a_missing_ca_file_is_a_config_error()
    {
        var config = Fedctl.WriteTlsConfig(directory, "tls", tls.Address, Path.Combine(directory, "nope.crt"));
        var (code, _, error) = await Fedctl.RunAsync(config, "workloads");
        Assert.That(code, Is.EqualTo(ExitCodes.Config));
        AssertOneLine(error, "certificate-authority", "does not exist");
    }

    [Test]
    public async Task Peers_reach_each_other_over_mutual_tls()
    {
        var peers = await ListPeersAsync(mutual);
        Assert.That(peers.Peers.Single().Reachable, Is.True, peers.Peers.Single().Detail);
        var back = await ListPeersAsync(mutualPeer);
        Assert.That(back.Peers.Single().Reachable, Is.True, back.Peers.Single().Detail);
    }

    [Test]
    public async Task A_peer_without_a_client_certificate_is_refused_by_mutual_tls()
    {
        var peers = await ListPeersAsync(anonymousPeer);
        Assert.That(peers.Peers.Single().Reachable, Is.False);
    }

    private static IEnumerable<TestCaseData> BadTlsFiles()
    {
        yield return new TestCaseData("missing-cert", "--tls-cert", "does not exist").SetName("Coordinator_exits_with_one_line_for_a_missing_certificate");
        yield return new TestCaseData("garbage-cert", "--tls-cert", "neither PEM nor a readable PKCS#12").SetName("Coordinator_exits_with_one_line_for_a_certificate_that_is_not_pem");
        yield return new TestCaseData("bad-pem", "--tls-cert", "PEM").SetName("Coordinator_exits_with_one_line_for_a_malformed_pem_certificate");
        yield return new TestCaseData("missing-key", "--tls-key", "does not exist").SetName("Coordinator_exits_with_one_line_for_a_missing_key");
        yield return new TestCaseData("other-key", "does not match", "--tls-cert").SetName("Coordinator_exits_with_one_line_for_a_key_of_another_certificate");
        yield return new TestCaseData("missing-client-ca", "--client-ca", "does not exist").SetName("Coordinator_exits_with_one_line_for_a_missing_client_ca");
        yield return new TestCaseData("missing-peer-ca", "--peer-ca", "does not exist").SetName("Coordinator_exits_with_one_line_for_a_missing_peer_ca");
    }

    [TestCaseSource(nameof(BadTlsFiles))]
    public async Task Coordinator_refuses_to_start_with_a_bad_tls_file(string scenario, string mentions, string alsoMentions)
    {
        var missing = Path.Combine(directory, "missing.pem");
        string[] tlsArgs = scenario switch
        {
            "missing-cert" => ["--tls-cert", missing, "--tls-key", server.Key],
            "garbage-cert" => ["--tls-cert", pki.WriteText("garbage.crt", "not a certificate"), "--tls-key", server.Key],
            "bad-pem" => ["--tls-cert", pki.WriteText("bad.crt", "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n"), "--tls-key", server.Key],
            "missing-key" => ["--tls-cert", server.Certificate, "--tls-key", missing],
            "other-key" => ["--tls-cert", server.Certificate, "--tls-key", client.Key],
            "missing-client-ca" => ["--tls-cert", server.Certificate, "--tls-key", server.Key, "--client-ca", missing],
            "missing-peer-ca" => ["--peer-ca", missing],
            _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
        };
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var code = await CoordinatorMain.RunAsync(
            ["--cluster", "bad", "--port", "0", "--journal", Path.Combine(directory, $"bad-{scenario}.db"), "--Coordinator:Adapter:Kind=fake", .. tlsArgs],
            [adapter.Module], error, timeout.Token);
        TestContext.Out.WriteLine($"exit {code}: {error}");
        Assert.That(code, Is.EqualTo(CoordinatorMain.InvalidConfiguration));
        AssertOneLine(error.ToString(), mentions, alsoMentions);
    }

    [Test]
    public async Task Coordinator_process_with_a_missing_certificate_exits_non_zero_without_a_stack_trace()
    {
        var coordinator = Path.Combine(AppContext.BaseDirectory, "federation-coordinator.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { coordinator, "--cluster", "bad", "--port", "0", "--journal", Path.Combine(directory, "process.db"),
                     "--Coordinator:Adapter:Kind=fake", "--tls-cert", Path.Combine(directory, "absent.crt"), "--tls-key", server.Key })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        TestContext.Out.WriteLine($"exit {process.ExitCode}: {await error}{await output}");
        Assert.That(process.ExitCode, Is.EqualTo(CoordinatorMain.InvalidConfiguration));
        AssertOneLine(await error, "--tls-cert", "absent.crt' does not exist");
    }

    private static async Task AssertUnreachableAsync(string config, string mentions, string alsoMentions)
    {
        var (code, _, error) = await Fedctl.RunAsync(config, "workloads");
        Assert.That(code, Is.EqualTo(ExitCodes.Unreachable), error);
        AssertOneLine(error, mentions, alsoMentions);
    }

    private static void AssertOneLine(string error, string mentions, string alsoMentions) => Assert.Multiple(() =>
    {
        Assert.That(error.TrimEnd('\n', '\r'), Does.Not.Contain("\n"), "one line");
        Assert.That(error, Does.Contain(mentions).And.Contain(alsoMentions));
        Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
    });

    private async Task<ListPeersResponse> ListPeersAsync(CoordinatorNode node)
    {
        using var connection = new CoordinatorConnection(new ClusterEntry
        {
            Name = node.Cluster, Address = node.Address,
            CertificateAuthority = authority.Certificate, ClientCertificate = client.Certificate, ClientKey = client.Key, TokenFile = node.OperatorTokenPath,
        });
        var peers = await connection.Client.ListPeersAsync(new ListPeersRequest(), deadline: CoordinatorConnection.Deadline());
        TestContext.Out.WriteLine(peers.ToString());
        return peers;
    }
}
