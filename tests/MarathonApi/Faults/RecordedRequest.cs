namespace Federation.Tests.Marathon.Faults;

/// <summary>One request the mock received: method, path with query, body (null when empty) and the status it answered.</summary>
public sealed record RecordedRequest(string Method, string Path, string? Body, int StatusCode);
