using Grpc.Core;
using NUnit.Framework;

namespace Federation.Testing;

/// <summary>Assertions on refused gRPC calls (linked into the runtime and the coordinator tests).</summary>
internal static class GrpcAssert
{
    /// <summary>
    /// The call fails with <paramref name="code"/>, and its detail mentions <paramref name="mentions"/>
    /// in one line without a stack trace. Returns the exception for further checks.
    /// </summary>
    public static RpcException Status(Func<Task> call, StatusCode code, string mentions)
    {
        var e = Assert.ThrowsAsync<RpcException>(async () => await call())!;
        Assert.Multiple(() =>
        {
            Assert.That(e.StatusCode, Is.EqualTo(code), e.Status.Detail);
            Assert.That(e.Status.Detail, Does.Contain(mentions));
            Assert.That(e.Status.Detail, Does.Not.Contain("\n"), "one line");
            Assert.That(e.Status.Detail, Does.Not.Match(@"\bat [\w.`<>]+\("), "no stack trace");
        });
        return e;
    }
}
