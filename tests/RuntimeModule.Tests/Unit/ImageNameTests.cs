using Federation.Common;
using Federation.RuntimeModule.Engine;

namespace Federation.RuntimeModule.Tests.Unit;

/// <summary>Image references taken apart the way Docker does, and dockerd's pull errors mapped to statuses.</summary>
public sealed class ImageNameTests
{
    [TestCase("10.213.213.1:5443/federation/testapp:abc", "10.213.213.1:5443", "federation/testapp", "abc", null, "abc")]
    [TestCase("registry.example/app", "registry.example", "app", null, null, "latest")]
    [TestCase("localhost/app:1", "localhost", "app", "1", null, "1")]
    [TestCase("federation/testapp:1", null, "federation/testapp", "1", null, "1")]
    [TestCase("redis", null, "redis", null, null, "latest")]
    [TestCase("reg.example:5000/a/b@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "reg.example:5000", "a/b", null,
        "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [TestCase("Upper/app:1", "Upper", "app", "1", null, "1")]
    public void Parses_like_Docker(string reference, string? registry, string repository, string? tag, string? digest, string pull)
    {
        var image = ImageName.Parse(reference);
        Assert.Multiple(() =>
        {
            Assert.That(image.Registry, Is.EqualTo(registry));
            Assert.That(image.Repository, Is.EqualTo(repository));
            Assert.That(image.Tag, Is.EqualTo(tag));
            Assert.That(image.Digest, Is.EqualTo(digest));
            Assert.That(image.TagOrDigest, Is.EqualTo(pull), "never empty: an empty tag would pull every tag");
            Assert.That(image.RegistryOrDefault, Is.EqualTo(registry ?? "docker.io"));
            Assert.That(image.ToString(), Is.EqualTo(reference));
        });
    }

    [TestCase("")]
    [TestCase("a b")]
    [TestCase("repo:tag:extra")]
    public void Malformed_references_are_InvalidArgument(string reference) =>
        Assert.That(Assert.Throws<FederationException>(() => ImageName.Parse(reference))!.Error, Is.EqualTo(FederationError.InvalidArgument));

    [TestCase("manifest for r:5000/x:1 not found: manifest unknown: manifest unknown", FederationError.NotFound)]
    [TestCase("pull access denied for x, repository does not exist or may require 'docker login'", FederationError.NotFound)]
    [TestCase("Get \"https://r:5000/v2/\": dial tcp 10.0.0.1:5000: connect: connection refused", FederationError.Unavailable)]
    [TestCase("Get \"https://r:5000/v2/\": dial tcp: lookup r on 127.0.0.11:53: no such host", FederationError.Unavailable)]
    [TestCase("Get \"https://r:5000/v2/\": tls: failed to verify certificate: x509: certificate signed by unknown authority", FederationError.FailedPrecondition)]
    [TestCase("unauthorized: authentication required", FederationError.PermissionDenied)]
    [TestCase("something nobody expected", FederationError.FailedPrecondition)]
    public void Pull_errors_become_statuses(string message, FederationError expected)
    {
        var e = PullFailure.Of(ImageName.Parse("r:5000/x:1"), message + "\nsecond line");
        Assert.Multiple(() =>
        {
            Assert.That(e.Error, Is.EqualTo(expected), e.Message);
            Assert.That(e.Message, Does.Not.Contain("\n"), "one line");
        });
    }

    [Test]
    public void Dockerd_error_bodies_give_their_message() =>
        Assert.That(PullFailure.MessageOf("{\"message\":\"manifest unknown\"}"), Is.EqualTo("manifest unknown"));
}
