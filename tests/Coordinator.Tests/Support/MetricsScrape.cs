using System.Globalization;

namespace Federation.Coordinator.Tests.Support;

/// <summary>One scrape of a coordinator's /metrics over HTTP on 127.0.0.1, parsed from the Prometheus text format.</summary>
public sealed class MetricsScrape
{
    private readonly Dictionary<string, double> samples;

    private MetricsScrape(string text, Dictionary<string, double> samples) => (Text, this.samples) = (text, samples);

    public string Text { get; }

    public static async Task<MetricsScrape> GetAsync(int port, string path = "/metrics")
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync($"http://127.0.0.1:{port}{path}");
        response.EnsureSuccessStatusCode();
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/plain"));
        return Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>Every sample line ("name{labels} value"), keyed by "name{labels}" as written; comments checked for their kinds.</summary>
    public static MetricsScrape Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.That(line, Does.Match(@"^# (HELP|TYPE) \w+ .+$"), "a comment of the text format");
                continue;
            }
            var space = line.LastIndexOf(' ');
            Assert.That(space, Is.GreaterThan(0), line);
            samples[line[..space]] = double.Parse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        return new MetricsScrape(text, samples);
    }

    /// <summary>The value of <paramref name="name"/> with the one label given; fails when there is no such sample.</summary>
    public double Value(string name, string label, string value)
    {
        var key = $"{name}{{{label}=\"{value}\"}}";
        Assert.That(samples.ContainsKey(key), Is.True, $"no sample {key} in:\n{Text}");
        return samples[key];
    }

    public double Value(string name)
    {
        Assert.That(samples.ContainsKey(name), Is.True, $"no sample {name} in:\n{Text}");
        return samples[name];
    }
}
