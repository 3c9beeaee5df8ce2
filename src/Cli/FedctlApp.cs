using System.CommandLine;
using Federation.Cli.Commands;
using Federation.Cli.Tls;
using Grpc.Core;

namespace Federation.Cli;

/// <summary>Builds the command tree and runs it; errors become one line on stderr and an exit code.</summary>
public static class FedctlApp
{
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        var global = new GlobalOptions();
        var root = new RootCommand($"fedctl: live-migrate workloads between clusters through their coordinators.\n{ExitCodes.Help}");
        global.AddTo(root);
        root.Subcommands.Add(ClustersCommand.Create(global, console));
        root.Subcommands.Add(WorkloadsCommand.Create(global, console));
        root.Subcommands.Add(DeployCommand.Create(global, console));
        root.Subcommands.Add(MigrateCommand.Create(global, console));
        root.Subcommands.Add(MigrationsCommand.Create(global, console));
        root.Subcommands.Add(DescribeCommand.Create(global, console));
        root.Subcommands.Add(CancelCommand.Create(global, console));

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) await console.Error.WriteLineAsync($"fedctl: {error.Message}");
            return ExitCodes.Usage;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false }, ct);
        }
        catch (CliException e)
        {
            await console.Error.WriteLineAsync($"fedctl: {e.Message}");
            return e.ExitCode;
        }
        catch (RpcException e)
        {
            if (global.LastConnection is { } connection && TlsFailure.Describe(e, connection) is { } tlsFailure)
            {
                await console.Error.WriteLineAsync($"fedctl: {tlsFailure}");
                return ExitCodes.Unreachable;
            }
            await console.Error.WriteLineAsync($"fedctl: {Describe(e, global.LastCluster)}");
            return ExitCodeOf(e.StatusCode);
        }
    }

    public static int ExitCodeOf(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => ExitCodes.Usage,
        StatusCode.NotFound => ExitCodes.NotFound,
        StatusCode.FailedPrecondition or StatusCode.Aborted or StatusCode.ResourceExhausted or StatusCode.AlreadyExists => ExitCodes.Refused,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => ExitCodes.Unreachable,
        _ => ExitCodes.Internal,
    };

    private static string Describe(RpcException e, Config.ClusterEntry? cluster)
    {
        var detail = e.Status.Detail.ReplaceLineEndings(" ");
        if (e.StatusCode == StatusCode.Unavailable && e.Status.DebugException is not null)
        {
            var where = cluster is null ? "the coordinator" : $"the coordinator of cluster '{cluster.Name}' at {cluster.Address}";
            return $"cannot reach {where}: {e.Status.DebugException.Message.ReplaceLineEndings(" ")}";
        }
        return detail;
    }
}
