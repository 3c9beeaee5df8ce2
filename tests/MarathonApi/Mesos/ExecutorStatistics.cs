namespace Federation.Tests.Marathon.Mesos;

/// <summary>
/// One executor's resource statistics as a Mesos agent's <c>/monitor/statistics</c> reports them (the ResourceStatistics
/// protobuf as JSON): CPU seconds are counters since the executor started, <paramref name="Timestamp"/> is seconds since the epoch.
/// </summary>
public sealed record ExecutorStatistics(
    string ExecutorId,
    string Source,
    double Timestamp,
    double CpusUserTimeSecs,
    double CpusSystemTimeSecs,
    double CpusLimit,
    long MemRssBytes,
    long MemLimitBytes);
