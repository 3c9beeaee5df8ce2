using System.CommandLine;
using System.Globalization;
using Federation.Cli.Output;
using Federation.V1;

namespace Federation.Cli.Commands;

/// <summary>
/// `fedctl policy show` prints the offload policy in force; `fedctl policy set -f FILE` sends a policy file (refused: one line
/// per mistake, the policy in force stays); `fedctl policy explain` prints the policy, the latest pressure and the recent
/// decisions and policy events with their reasons.
/// </summary>
public static class PolicyCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var command = new Command("policy", "show, set or explain the cluster's offload and balance policy");

        var show = new Command("show", "the policy in force: where it came from and its YAML");
        show.SetAction(async (result, ct) =>
        {
            using var connection = global.Connect(result);
            var status = await connection.Client.GetPolicyAsync(new GetPolicyRequest(), deadline: CoordinatorConnection.Deadline(), cancellationToken: ct);
            if (global.Json(result))
            {
                await console.Out.WriteLineAsync(Json.Format(status));
                return ExitCodes.Ok;
            }
            await WriteStatusAsync(console, status);
            if (status.Yaml.Length > 0) await console.Out.WriteLineAsync($"---\n{status.Yaml.TrimEnd()}");
            return ExitCodes.Ok;
        });

        var file = new Option<string>("--file", "-f") { Description = "the policy file (YAML)", Required = true };
        var set = new Command("set", "check a policy file and put it in force") { file };
        set.SetAction(async (result, ct) =>
        {
            var path = result.GetValue(file)!;
            string yaml;
            try
            {
                yaml = await File.ReadAllTextAsync(path, ct);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CliException(ExitCodes.Usage, $"cannot read policy file '{path}': {e.Message}");
            }
            using var connection = global.Connect(result);
            var response = await connection.Client.SetPolicyAsync(new SetPolicyRequest { Yaml = yaml }, deadline: CoordinatorConnection.Deadline(), cancellationToken: ct);
            if (global.Json(result)) await console.Out.WriteLineAsync(Json.Format(response));
            if (!response.Accepted)
            {
                foreach (var error in response.Errors) await FedctlApp.WriteErrorAsync(console, $"{path}: {error}");
                await FedctlApp.WriteErrorAsync(console, $"policy refused ({response.Errors.Count} mistake(s)); the policy in force stays: {response.Policy.Summary}");
                return ExitCodes.Usage;
            }
            if (!global.Json(result)) await WriteStatusAsync(console, response.Policy);
            return ExitCodes.Ok;
        });

        var explain = new Command("explain", "the policy in force, the latest pressure and the recent decisions with their reasons");
        explain.SetAction(async (result, ct) =>
        {
            using var connection = global.Connect(result);
            var explanation = await connection.Client.ExplainPolicyAsync(new ExplainPolicyRequest(), deadline: CoordinatorConnection.Deadline(), cancellationToken: ct);
            if (global.Json(result))
            {
                await console.Out.WriteLineAsync(Json.Format(explanation));
                return ExitCodes.Ok;
            }
            await WriteStatusAsync(console, explanation.Policy);
            var pressure = explanation.Pressure.Count == 0 ? "not sampled yet"
                : string.Join(", ", explanation.Pressure.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value.ToString("0.###", CultureInfo.InvariantCulture)}"));
            await console.Out.WriteLineAsync($"pressure: {pressure}");
            await console.Out.WriteLineAsync();
            if (explanation.Workloads.Count > 0)
            {
                await Table.WriteAsync(console.Out, ["WORKLOAD", "RUNS IN", "HOME", "CPU", "MEMORY", "SLOT", "USE", "PINNED"],
                    explanation.Workloads.Select(w => new[]
                    {
                        w.Workload, w.Cluster, w.HomeCluster, Share(w.Cpu), Share(w.Memory), Share(w.Slot),
                        w.Measured ? "measured" : "estimated", w.Pinned ? "yes" : "",
                    }));
                await console.Out.WriteLineAsync();
            }
            await Table.WriteAsync(console.Out, ["AT", "KIND", "WORKLOAD", "FROM", "TO", "DRY RUN", "REASON"],
                explanation.Events.Select(e => new[]
                {
                    $"{e.At.ToDateTime():HH:mm:ss}", e.Kind, e.Workload, e.SourceCluster, e.DestinationCluster, e.DryRun ? "yes" : "", e.Reason,
                }));
            return ExitCodes.Ok;
        });

        command.Subcommands.Add(show);
        command.Subcommands.Add(set);
        command.Subcommands.Add(explain);
        return command;
    }

    private static string Share(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static async Task WriteStatusAsync(CliConsole console, PolicyStatus status)
    {
        await console.Out.WriteLineAsync($"source: {status.Source}");
        await console.Out.WriteLineAsync($"loaded: {status.LoadedAt?.ToDateTime():yyyy-MM-dd HH:mm:ss}Z");
        await console.Out.WriteLineAsync($"policy: {status.Summary}");
    }
}
