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
    private static readonly Lazy<IReadOnlyDictionary<string, string>> SetupValues = new(RunSetup);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string RuntimeImage => Images.Value.Runtime ?? throw new InvalidOperationException(Images.Value.Error);
    public static string TestAppImage => Images.Value.TestApp ?? throw new InvalidOperationException(Images.Value.Error);

    /// <summary>Debian's redis-server (FEDERATION_REDIS_IMAGE of scripts/setup.sh, built by images/redis/build.sh); fails the test when missing.</summary>
    public static string RedisImage
    {
        get
        {
            RequireDocker();
            try { return Value("FEDERATION_REDIS_IMAGE"); }
            catch (InvalidOperationException e) { Assert.Fail("the Redis image is not available: " + e.Message); throw; }
        }
    }

    /// <summary>The test registry (FEDERATION_REGISTRY of scripts/setup.sh: host:port, reachable from every container of this host).</summary>
    public static string Registry => Value("FEDERATION_REGISTRY");

    /// <summary>The CA the test registry's certificate chains to (FEDERATION_REGISTRY_CA), as PEM.</summary>
    public static string RegistryCaPem => File.ReadAllText(RegistryCaFile);

    /// <summary>The file of that CA (FEDERATION_REGISTRY_CA).</summary>
    public static string RegistryCaFile => Value("FEDERATION_REGISTRY_CA");

    /// <summary>The test app as the registry serves it: FEDERATION_REGISTRY/FEDERATION_TESTAPP_IMAGE (setup pushes it there).</summary>
    public static string RegistryTestAppImage => $"{Registry}/{TestAppImage}";

    /// <summary>The registry's access log, one line per request (Apache format, the client's address first).</summary>
    public static string RegistryAccessLog => Environment.GetEnvironmentVariable("FEDERATION_REGISTRY_LOG") is { Length: > 0 } log ? log : "/var/log/federation-registry.log";

    /// <summary>Fails the test (never skips it) when the test registry is not there, with the reason.</summary>
    public static void RequireRegistry()
    {
        RequireDocker();
        string registry;
        try { registry = Registry; }
        catch (InvalidOperationException e) { Assert.Fail("the test registry is not available: " + e.Message); return; }
        var ca = Value("FEDERATION_REGISTRY_CA");
        if (!File.Exists(ca)) Assert.Fail($"the test registry's CA {ca} (FEDERATION_REGISTRY_CA) does not exist: run scripts/setup.sh");
        if (!File.Exists(RegistryAccessLog)) Assert.Fail($"the test registry's access log {RegistryAccessLog} does not exist: run scripts/setup.sh");
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, certificate, _, _) => certificate is not null && ChainsTo(certificate, ca) };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var answer = http.GetAsync($"https://{registry}/v2/").GetAwaiter().GetResult();
            if (!answer.IsSuccessStatusCode) Assert.Fail($"the test registry https://{registry}/v2/ answered {(int)answer.StatusCode}");
        }
        catch (HttpRequestException e)
        {
            Assert.Fail($"the test registry https://{registry}/v2/ does not answer ({e.Message}): run scripts/setup.sh");
        }
    }

    private static bool ChainsTo(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate, string caFile)
    {
        using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
        chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.ImportFromPemFile(caFile);
        return chain.Build(certificate);
    }

    /// <summary>A value setup.sh prints: from the environment when set there, else from running setup.sh once.</summary>
    private static string Value(string name)
    {
        if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value) return value;
        if (SetupValues.Value.TryGetValue(name, out var printed) && printed.Length > 0) return printed;
        throw new InvalidOperationException(SetupValues.Value.TryGetValue("", out var error) ? error : $"scripts/setup.sh did not print {name}");
    }

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
        var values = SetupValues.Value;
        if (values.TryGetValue("", out var error)) return (null, null, error);
        return (values.GetValueOrDefault("FEDERATION_RUNTIME_IMAGE"), values.GetValueOrDefault("FEDERATION_TESTAPP_IMAGE"),
            values.ContainsKey("FEDERATION_RUNTIME_IMAGE") && values.ContainsKey("FEDERATION_TESTAPP_IMAGE") ? null : "scripts/setup.sh did not print the image tags");
    }

    /// <summary>Runs scripts/setup.sh once: what it printed (KEY=VALUE), or the reason it failed under the key "".</summary>
    private static IReadOnlyDictionary<string, string> RunSetup()
    {
        var script = Path.Combine(RepositoryRoot, "scripts", "setup.sh");
        var start = new ProcessStartInfo("bash", [script]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(15))) return new Dictionary<string, string> { [""] = "scripts/setup.sh did not finish within 15 minutes" };
        if (process.ExitCode != 0)
            return new Dictionary<string, string>
            {
                [""] = $"scripts/setup.sh exited {process.ExitCode}: {string.Join(" | ", stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(5))}",
            };
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2 && p[0].Length > 0).ToDictionary(p => p[0], p => p[1]);
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Federation.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Federation.sln not found above " + AppContext.BaseDirectory);
    }
}
