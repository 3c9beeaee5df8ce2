namespace Federation.Tests.Marathon.Model;

/// <summary>One of an app's <c>healthChecks</c>, with Marathon's defaults filled in.</summary>
public sealed record HealthCheckSpec(
    string Protocol, string Path, int PortIndex, int? Port, string? Command,
    int GracePeriodSeconds, int IntervalSeconds, int TimeoutSeconds, int MaxConsecutiveFailures, bool IgnoreHttp1xx)
{
    /// <summary>TCP, HTTP or COMMAND (the MESOS_ variants and HTTPS run the same way here).</summary>
    public string Kind => Protocol switch
    {
        "TCP" or "MESOS_TCP" => "TCP",
        "COMMAND" => "COMMAND",
        _ => "HTTP",
    };

    public bool Https => Protocol is "HTTPS" or "MESOS_HTTPS";
}
