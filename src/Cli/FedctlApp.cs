using System.CommandLine;
using Federation.Cli.Commands;
using Federation.Cli.Tls;
using Federation.Common;
using Grpc.Core;

namespace Federation.Cli;

/// <summary>Builds the command tree and runs it; errors become one line on stderr (control characters escaped) and an exit code.</summary>
public static class FedctlApp
{
    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken ct)
    {
        var global = new GlobalOptions();
        var root = Build(global, console);
        try
        {
            // Bad input (numeric options included: see NumberOptions) ends here, as parse errors, in one line.
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                await WriteErrorAsync(console, string.Join("; ", parsed.Errors.Select(e => e.Message.TrimEnd('.')).Distinct()));
                return ExitCodes.Usage;
            }
            return await parsed.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false }, ct);
        }
        catch (CliException e)
        {
            await WriteErrorAsync(console, e.Message);
            return e.ExitCode;
        }
        catch (RpcException e)
        {
            if (global.LastConnection is { } connection && TlsFailure.Describe(e, connection) is { } tlsFailure)
            {
                await WriteErrorAsync(console, tlsFailure);
                return ExitCodes.Unreachable;
            }
            await WriteErrorAsync(console, Describe(e, global.LastConnection));
            return ExitCodeOf(e.StatusCode);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A bug of fedctl's, not the user's: still one line, never a stack trace.
            await WriteErrorAsync(console, $"internal error: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Internal;
        }
    }

    /// <summary>
    /// Writes "fedctl: MESSAGE" to stderr as one line, the message's control characters (from user input or from a
    /// server) shown as escapes (<see cref="Names.Printable"/>). Every error fedctl prints goes through here.
    /// </summary>
    public static Task WriteErrorAsync(CliConsole console, string message) =>
        console.Error.WriteLineAsync($"fedctl: {Names.Printable(message.Trim())}");

    /// <summary>The command tree (tests walk it to find every option).</summary>
    internal static RootCommand Build(GlobalOptions global, CliConsole console)
    {
        var root = new RootCommand($"fedctl: live-migrate workloads between clusters through their coordinators.\n{ExitCodes.Help}");
        global.AddTo(root);
        root.Subcommands.Add(ClustersCommand.Create(global, console));
        root.Subcommands.Add(WorkloadsCommand.Create(global, console));
        root.Subcommands.Add(DeployCommand.Create(global, console));
        root.Subcommands.Add(DeleteCommand.Create(global, console));
        root.Subcommands.Add(MigrateCommand.Create(global, console));
        root.Subcommands.Add(MigrationsCommand.Create(global, console));
        root.Subcommands.Add(DescribeCommand.Create(global, console));
        root.Subcommands.Add(CancelCommand.Create(global, console));
        root.Subcommands.Add(PolicyCommand.Create(global, console));
        root.Subcommands.Add(EventsCommand.Create(global, console));
        root.Subcommands.Add(PinCommand.CreatePin(global, console));
        root.Subcommands.Add(PinCommand.CreateUnpin(global, console));
        return root;
    }

    public static int ExitCodeOf(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => ExitCodes.Usage,
        StatusCode.NotFound => ExitCodes.NotFound,
        StatusCode.FailedPrecondition or StatusCode.Aborted or StatusCode.ResourceExhausted or StatusCode.AlreadyExists => ExitCodes.Refused,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => ExitCodes.Unreachable,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => ExitCodes.NotAuthorized,
        _ => ExitCodes.Internal,
    };

    private static string Describe(RpcException e, CoordinatorConnection? connection)
    {
        var cluster = connection?.Cluster;
        // Say which token went (or that none did) and where one comes from: the coordinator cannot know.
        if (e.StatusCode == StatusCode.Unauthenticated && connection is not null)
            return $"{e.Status.Detail} (fedctl sent {connection.Token.Source}; set token-file for cluster '{cluster!.Name}' in the config, --token-file or ${Auth.OperatorToken.EnvironmentVariable})";
        if (e.StatusCode == StatusCode.Unavailable && e.Status.DebugException is not null)
        {
            var where = cluster is null ? "the coordinator" : $"the coordinator of cluster '{cluster.Name}' at {cluster.Address}";
            return $"cannot reach {where}: {e.Status.DebugException.Message.ReplaceLineEndings(" ")}";
        }
        return e.Status.Detail;
    }
}
