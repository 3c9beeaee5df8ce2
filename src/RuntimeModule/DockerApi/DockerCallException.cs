using System.Net;

namespace Federation.RuntimeModule.DockerApi;

/// <summary>A Docker Engine API call answered with an error status.</summary>
public sealed class DockerCallException(HttpStatusCode status, string message) : Exception(message)
{
    public HttpStatusCode Status { get; } = status;
}
