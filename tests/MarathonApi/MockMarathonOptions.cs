namespace Federation.Tests.Marathon;

/// <summary>How the mock Marathon is set up: the credentials it demands (none by default).</summary>
public sealed record MockMarathonOptions
{
    /// <summary>With <see cref="Password"/>: HTTP basic credentials every request must carry (Marathon's basic auth plugin).</summary>
    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary>A token every request must carry as <c>Authorization: token=...</c> (DC/OS's ACS token). With basic credentials set too, either is accepted.</summary>
    public string? Token { get; init; }

    /// <summary>The version <c>/v2/info</c> reports (the fixture's otherwise).</summary>
    public string? Version { get; init; }

    public bool RequiresCredentials => Username is not null || Token is not null;
}
