using System.Globalization;

namespace Federation.Coordinator.Policy;

/// <summary>Durations as the policy file writes them: "250ms", "30s", "5m", "1h", or a plain number of seconds.</summary>
public static class Durations
{
    /// <summary>The duration, or null when <paramref name="text"/> is not one (negative ones parse: the caller refuses them by name).</summary>
    public static TimeSpan? Parse(string text)
    {
        text = text.Trim();
        var (number, unit) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : text.EndsWith('m') ? (text[..^1], 60.0)
            : text.EndsWith('h') ? (text[..^1], 3600.0)
            : (text, 1.0);
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || double.IsNaN(value) || double.IsInfinity(value)) return null;
        var seconds = value * unit;
        return Math.Abs(seconds) > TimeSpan.FromDays(365).TotalSeconds ? null : TimeSpan.FromSeconds(seconds);
    }

    public static string Format(TimeSpan duration) =>
        duration.TotalHours >= 1 && duration.TotalHours == Math.Floor(duration.TotalHours) ? $"{duration.TotalHours:0}h"
        : duration.TotalMinutes >= 1 && duration.TotalMinutes == Math.Floor(duration.TotalMinutes) ? $"{duration.TotalMinutes:0}m"
        : duration.TotalSeconds >= 1 ? $"{duration.TotalSeconds:0.###}s"
        : $"{duration.TotalMilliseconds:0}ms";
}
