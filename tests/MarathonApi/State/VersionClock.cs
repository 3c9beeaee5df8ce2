using System.Globalization;

namespace Federation.Tests.Marathon.State;

/// <summary>Marathon's versions: ISO-8601 timestamps with milliseconds ("2015-09-29T15:59:51.164Z"), strictly increasing here.</summary>
public sealed class VersionClock
{
    private DateTime last = DateTime.MinValue;

    public string Next()
    {
        var now = DateTime.UtcNow;
        now = new DateTime(now.Ticks - now.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        if (now <= last) now = last.AddMilliseconds(1);
        last = now;
        return Format(now);
    }

    public static string Format(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string Now() => Format(DateTime.UtcNow);
}
