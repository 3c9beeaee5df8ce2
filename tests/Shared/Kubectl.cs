using System.Diagnostics;

namespace Federation.Tests.Shared;

/// <summary>The real kubectl as a child process with a kubeconfig and a HOME of its own, bounded in time.</summary>
public sealed class Kubectl(string kubeconfig, string home)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n{Output}\n{Error}";
    }

    /// <summary>kubectl's path, or a failure that says setup must install it.</summary>
    public static string Find()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, "kubectl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        Assert.Fail("kubectl is not on PATH: the machine setup must install it (Debian package kubernetes-client or kubectl)");
        return "";
    }

    /// <summary>kubectl's client minor version (1.27 and later validate fields on the server, older ones client-side from OpenAPI v2).</summary>
    public async Task<int> MinorVersionAsync()
    {
        var result = await RunAsync("version", "--client", "-o", "json");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var minor = System.Text.Json.Nodes.JsonNode.Parse(result.Output)!["clientVersion"]!["minor"]!.GetValue<string>();
        return int.Parse(minor.TrimEnd('+'), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<Result> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Find())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["KUBECONFIG"] = kubeconfig;
        start.Environment["HOME"] = home;
        start.Environment["KUBECACHEDIR"] = Path.Combine(home, "cache");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"kubectl {string.Join(' ', arguments)} did not finish within {Limit.TotalSeconds} s");
        }
        return new Result(process.ExitCode, await output, await error);
    }
}
