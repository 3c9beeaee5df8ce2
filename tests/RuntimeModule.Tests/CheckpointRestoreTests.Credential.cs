using Federation.Common.Auth;
using Federation.Testing;
using Federation.V1;
using Grpc.Core;

namespace Federation.RuntimeModule.Tests;

public sealed partial class CheckpointRestoreTests
{
    [Test]
    public void The_Engine_refuses_a_caller_without_its_credential()
    {
        var stranger = runtimes.Stranger(runtimes.A);
        GrpcAssert.Status(() => stranger.ListAppsAsync(new ListAppsRequest()).ResponseAsync, StatusCode.Unauthenticated, "none was given");
        GrpcAssert.Status(() => stranger.RemoveAppAsync(new RemoveAppRequest { Name = "anything" }).ResponseAsync, StatusCode.Unauthenticated, "credential");
        GrpcAssert.Status(() => stranger.OpenTransferAsync(new OpenTransferRequest { App = "anything", Checkpoint = "c1" }).ResponseAsync, StatusCode.Unauthenticated, "credential");
    }

    [Test]
    public async Task The_Engine_refuses_a_wrong_credential_and_serves_the_right_one()
    {
        GrpcAssert.Status(() => runtimes.Stranger(runtimes.A, BearerToken.New()).ListAppsAsync(new ListAppsRequest()).ResponseAsync,
            StatusCode.Unauthenticated, "the one given is wrong");
        var apps = await runtimes.EngineA.ListAppsAsync(new ListAppsRequest());
        Assert.That(apps, Is.Not.Null, "the coordinator's client, holding the credential, is served");
    }
}
