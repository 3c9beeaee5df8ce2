using Federation.Cli;

namespace Federation.Coordinator.Tests.Support;

/// <summary>Runs fedctl in-process with its console captured, against a config written for the test clusters.</summary>
public static class Fedctl
{
    /// <summary>A config of the clusters as given (no token: for coordinators fedctl does not reach or that run --insecure).</summary>
    public static string WriteConfig(string directory, string current, params (string Name, string Address)[] clusters) =>
        WriteConfig(directory, current, clusters.Select(c => (c.Name, c.Address, (string?)null)).ToArray());

    /// <summary>A config of running nodes, each with its operator token file, as an operator of those clusters has it.</summary>
    public static string WriteConfig(string directory, string current, params CoordinatorNode[] nodes) =>
        WriteConfig(directory, current, nodes.Select(n => (n.Cluster, n.Address, (string?)n.OperatorTokenPath)).ToArray());

    /// <summary>A config of the clusters with their token files (null: none).</summary>
    public static string WriteConfig(string directory, string current, params (string Name, string Address, string? TokenFile)[] clusters)
    {
        var path = Path.Combine(directory, $"fedctl-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, $"current-cluster: {current}\nclusters:\n" +
                                string.Concat(clusters.Select(c => $"  - name: {c.Name}\n    address: {c.Address}\n" +
                                                                   (c.TokenFile is null ? "" : $"    token-file: {c.TokenFile}\n"))));
        return path;
    }

    /// <summary>A config of one cluster with its TLS fields and token file (null fields are left out).</summary>
    public static string WriteTlsConfig(string directory, string name, string address, string? authority, string? clientCertificate = null, string? clientKey = null,
        string? tokenFile = null)
    {
        var path = Path.Combine(directory, $"fedctl-{Guid.NewGuid():N}.yaml");
        var text = $"current-cluster: {name}\nclusters:\n  - name: {name}\n    address: {address}\n";
        if (authority is not null) text += $"    certificate-authority: {authority}\n";
        if (clientCertificate is not null) text += $"    client-certificate: {clientCertificate}\n";
        if (clientKey is not null) text += $"    client-key: {clientKey}\n";
        if (tokenFile is not null) text += $"    token-file: {tokenFile}\n";
        File.WriteAllText(path, text);
        return path;
    }

    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(string config, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var code = await FedctlApp.RunAsync(["--config", config, .. args], new CliConsole(stdout, stderr, IsTerminal: false), timeout.Token);
        TestContext.Out.WriteLine($"$ fedctl {string.Join(' ', args)}  -> exit {code}\n{stdout}{stderr}");
        return (code, stdout.ToString(), stderr.ToString());
    }
}
