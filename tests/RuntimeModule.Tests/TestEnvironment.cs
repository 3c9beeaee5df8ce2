using System.Diagnostics;
using Docker.DotNet;

namespace Federation.RuntimeModule.Tests;

/// <summary>
/// The real Docker host the end-to-end tests run on. It runs scripts/setup.sh (idempotent) unless the
/// image variables are already set; when Docker or the images cannot be had, every test that needs
/// them fails with the reason instead of being skipped.
/// </summary>
public static class TestEnvironment
{
    private static readonly Lazy<(string? Runtime, string? TestApp, string? Error)> Images = new(Prepare);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string RuntimeImage => Images.Value.Runtime ?? throw new InvalidOperationException(Images.Value.Error);
    public static string TestAppImage => Images.Value.TestApp ?? throw new InvalidOperationException(Images.Value.Error);

    public static void RequireDocker()
    {
        if (Images.Value.Error is { } error) Assert.Fail("Docker end-to-end environment is not available: " + error);
    }

    public static DockerClient OuterDocker() =>
        new DockerClientConfiguration(new Uri("unix:///var/run/docker.sock")).CreateClient();

    private static (string?, string?, string?) Prepare()
    {
        var runtime = Environment.GetEnvironmentVariable("FEDERATION_RUNTIME_IMAGE");
        var testApp = Environment.GetEnvironmentVariable("FEDERATION_TESTAPP_IMAGE");
        if (!string.IsNullOrEmpty(runtime) && !string.IsNullOrEmpty(testApp)) return (runtime, testApp, null);

        var script = Path.Combine(RepositoryRoot, "scripts", "setup.sh");
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(15))) return (null, null, "scripts/setup.sh did not finish within 15 minutes");
        if (process.ExitCode != 0)
            return (null, null, $"scripts/setup.sh exited {process.ExitCode}: {string.Join(" | ", stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(5))}");
        var values = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        return (values.GetValueOrDefault("FEDERATION_RUNTIME_IMAGE"), values.GetValueOrDefault("FEDERATION_TESTAPP_IMAGE"),
            values.Count == 2 ? null : "scripts/setup.sh did not print the image tags");
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Federation.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Federation.sln not found above " + AppContext.BaseDirectory);
    }
}
