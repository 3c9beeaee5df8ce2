using Federation.Common;
using Federation.SyncModule.Sender;

namespace Federation.SyncModule.Tests;

[TestFixture]
public sealed class TlsTests
{
    [Test]
    public async Task A_transfer_over_TLS_arrives_when_the_sender_trusts_the_receivers_authority()
    {
        using var pki = new TestCertificates();
        var ca = pki.CreateAuthority("fedsync test CA");
        using var source = Source();
        await using var receiver = await RunningReceiver.StartAsync(o => o.ServerCertificate = pki.CreateServer("127.0.0.1", ca).Value,
            new SyncClientTls { TrustedAuthority = ca.Value });

        Assert.That(receiver.Host.Endpoint.Scheme, Is.EqualTo("https"));
        await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/tls"));

        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/tls"));
    }

    [Test]
    public async Task A_receiver_with_a_certificate_from_another_authority_is_not_trusted()
    {
        using var pki = new TestCertificates();
        var ca = pki.CreateAuthority("fedsync test CA");
        var other = pki.CreateAuthority("another CA");
        using var source = Source();
        await using var receiver = await RunningReceiver.StartAsync(o => o.ServerCertificate = pki.CreateServer("127.0.0.1", other).Value,
            new SyncClientTls { TrustedAuthority = ca.Value });

        var e = Assert.ThrowsAsync<FederationException>(() => new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path,
            receiver.Tokens.IssueToken("app/tls"), new SyncSendOptions { MaxAttempts = 1 }));

        Assert.That(e!.Error, Is.EqualTo(FederationError.Unavailable));
        Assert.That(Directory.Exists(receiver.PathOf("app")), Is.False);
    }

    [Test]
    public async Task Mutual_TLS_accepts_a_sender_with_a_client_certificate_from_the_authority()
    {
        using var pki = new TestCertificates();
        var ca = pki.CreateAuthority("fedsync test CA");
        using var source = Source();
        await using var receiver = await RunningReceiver.StartAsync(o =>
            {
                o.ServerCertificate = pki.CreateServer("127.0.0.1", ca).Value;
                o.ClientAuthority = ca.Value;
            },
            new SyncClientTls { TrustedAuthority = ca.Value, ClientCertificate = pki.CreateClient("sender", ca).Value });

        await new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path, receiver.Tokens.IssueToken("app/mtls"));

        TestFiles.AssertSameTree(source.Path, receiver.PathOf("app/mtls"));
    }

    [TestCase(false, TestName = "Mutual TLS refuses a sender without a client certificate")]
    [TestCase(true, TestName = "Mutual TLS refuses a sender whose certificate comes from another authority")]
    public async Task Mutual_TLS_refuses(bool foreignCertificate)
    {
        using var pki = new TestCertificates();
        var ca = pki.CreateAuthority("fedsync test CA");
        var other = pki.CreateAuthority("another CA");
        using var source = Source();
        await using var receiver = await RunningReceiver.StartAsync(o =>
            {
                o.ServerCertificate = pki.CreateServer("127.0.0.1", ca).Value;
                o.ClientAuthority = ca.Value;
            },
            new SyncClientTls { TrustedAuthority = ca.Value, ClientCertificate = foreignCertificate ? pki.CreateClient("sender", other).Value : null });

        var e = Assert.ThrowsAsync<FederationException>(() => new SyncSender().SendDirectoryAsync(receiver.Channel, source.Path,
            receiver.Tokens.IssueToken("app/mtls"), new SyncSendOptions { MaxAttempts = 1 }));

        Assert.That(e!.Error, Is.EqualTo(FederationError.Unavailable));
        Assert.That(Directory.Exists(receiver.PathOf("app")), Is.False);
    }

    private static TempDirectory Source()
    {
        var source = new TempDirectory();
        PageFiles.WriteRandom(source.Combine("pages-1.img"), (1 << 20) + 5, 1);
        PageFiles.WriteRandom(source.Combine("sub/core.img"), 300, 2);
        return source;
    }
}
