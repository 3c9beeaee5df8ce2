using System.Diagnostics;
using k8s;

namespace Federation.Deploy.Tests;

/// <summary>The manifests of deploy/ (every *.yaml there, as kubectl apply -f deploy/ reads them) and the tools the tests run on them.</summary>
public static class Manifests
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string DeployDirectory => Path.Combine(RepositoryRoot, "deploy");

    /// <summary>Every object of every manifest file of <paramref name="directory"/>, as the official models (k8s.Models).</summary>
    public static List<object> Load(string? directory = null) =>
        Files(directory).SelectMany(f => KubernetesYaml.LoadAllFromString(File.ReadAllText(f))).ToList();

    public static IEnumerable<string> Files(string? directory = null) =>
        Directory.EnumerateFiles(directory ?? DeployDirectory, "*.yaml").Order(StringComparer.Ordinal);

    public static T Single<T>(IEnumerable<object> objects, string name) where T : IKubernetesObject<k8s.Models.V1ObjectMeta> =>
        objects.OfType<T>().Single(o => o.Metadata.Name == name);

    /// <summary>Runs a program to its end (bounded): exit code, stdout, stderr.</summary>
    public static (int Exit, string Out, string Err) Run(string program, IEnumerable<string> args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', start.ArgumentList)} did not finish within {timeout.TotalSeconds:F0} s");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The real kubectl (scripts/setup.sh installs it); the test fails, never skips, without it.</summary>
    public static string Kubectl()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/local/bin"))
        {
            var path = Path.Combine(dir, "kubectl");
            if (File.Exists(path)) return path;
        }
        Assert.Fail("kubectl is not installed: run scripts/setup.sh (it installs Debian's kubernetes-client)");
        return "";
    }

    private static string FindRepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Federation.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Federation.sln not found above " + AppContext.BaseDirectory);
    }
}
