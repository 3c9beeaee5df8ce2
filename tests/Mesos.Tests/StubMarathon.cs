using System.Net;
using System.Text;
using Federation.Adapters.Mesos.Api;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federation.Mesos.Tests;

/// <summary>An in-process HttpMessageHandler that answers Marathon requests from a script and records them (no network).</summary>
public sealed class StubMarathon : HttpMessageHandler
{
    private readonly Func<HttpRequestMessage, int, (HttpStatusCode Status, string Body)> answer;
    private int count;

    public StubMarathon(Func<HttpRequestMessage, int, (HttpStatusCode, string)> answer) => this.answer = answer;

    public List<string> Requests { get; } = [];

    public MarathonApi Api(TimeSpan? lockWait = null) =>
        new(new HttpClient(this) { BaseAddress = new Uri("http://127.0.0.1:1/") }, "mesos-a", lockWait ?? TimeSpan.FromSeconds(30), NullLogger<MarathonApi>.Instance);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (Requests) Requests.Add($"{request.Method} {request.RequestUri!.PathAndQuery}");
        var (status, body) = answer(request, Interlocked.Increment(ref count));
        return Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
    }
}
