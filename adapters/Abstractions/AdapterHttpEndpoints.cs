using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Routing;

namespace Federation.Adapters;

/// <summary>
/// HTTP endpoints an adapter serves through the coordinator's web host (the Kubernetes adapters' mutating admission
/// webhook), on a listener of their own: HTTP/1.1 and HTTP/2, HTTPS when a certificate is given. The core maps them
/// only on that listener and knows nothing of what they do; an adapter registers them with
/// <see cref="AdapterRegistration.AddAdapterHttpEndpoints"/>.
/// </summary>
/// <param name="Listen">Where to listen (port 0: any free port).</param>
/// <param name="Certificate">The serving certificate with its key; null: plain HTTP (tests only).</param>
/// <param name="Map">Maps the endpoints (e.g. <c>POST /mutate-pods</c>).</param>
public sealed record AdapterHttpEndpoints(IPEndPoint Listen, X509Certificate2? Certificate, Action<IEndpointRouteBuilder> Map);
