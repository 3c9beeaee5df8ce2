using Federation.Common;
using Federation.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Federation.RuntimeModule.Tests.Unit;

[TestFixture]
public sealed class DefaultDeadlineInterceptorTests
{
    [Test]
    public async Task A_call_without_a_deadline_gets_the_default()
    {
        var recorder = new RecordingInvoker();
        var client = new V1.Engine.EngineClient(recorder.Intercept(new DefaultDeadlineInterceptor(TimeSpan.FromMinutes(3), TimeSpan.FromHours(1))));
        await client.GetAppAsync(new GetAppRequest { Name = "x" });
        Assert.That(recorder.Seen!.Value.Deadline, Is.EqualTo(DateTime.UtcNow.AddMinutes(3)).Within(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public async Task A_deadline_the_caller_chose_is_kept()
    {
        var recorder = new RecordingInvoker();
        var client = new V1.Engine.EngineClient(recorder.Intercept(DefaultDeadlineInterceptor.Standard));
        var mine = DateTime.UtcNow.AddSeconds(7);
        await client.GetAppAsync(new GetAppRequest { Name = "x" }, deadline: mine);
        Assert.That(recorder.Seen!.Value.Deadline, Is.EqualTo(mine));
    }

    [Test]
    public void Streams_get_the_streaming_limit()
    {
        var recorder = new RecordingInvoker();
        var client = new V1.Engine.EngineClient(recorder.Intercept(new DefaultDeadlineInterceptor(TimeSpan.FromMinutes(3), TimeSpan.FromHours(1))));
        client.PushCheckpoint(new PushCheckpointRequest());
        Assert.That(recorder.Seen!.Value.Deadline, Is.EqualTo(DateTime.UtcNow.AddHours(1)).Within(TimeSpan.FromSeconds(10)));
    }

    /// <summary>Records the options of the last call and answers it with an empty message.</summary>
    private sealed class RecordingInvoker : CallInvoker
    {
        public CallOptions? Seen { get; private set; }

        public override TResponse BlockingUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
            throw new NotSupportedException();

        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
        {
            Seen = options;
            return new AsyncUnaryCall<TResponse>(Task.FromResult(Activator.CreateInstance<TResponse>()), Task.FromResult(new Metadata()),
                () => Status.DefaultSuccess, () => [], () => { });
        }

        public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method, string? host,
            CallOptions options, TRequest request)
        {
            Seen = options;
            return new AsyncServerStreamingCall<TResponse>(null!, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
        }

        public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method,
            string? host, CallOptions options) => throw new NotSupportedException();

        public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(Method<TRequest, TResponse> method,
            string? host, CallOptions options) => throw new NotSupportedException();
    }
}
