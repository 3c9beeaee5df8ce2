namespace Federation.Tests.Kube.Faults;

/// <summary>One request the server received: its verb (get, list, watch, create, ... or the HTTP method for other paths), path with query, body and the status answered.</summary>
public sealed record RecordedRequest(string Verb, string Method, string Path, string? Body, int StatusCode, string? ContentType);
