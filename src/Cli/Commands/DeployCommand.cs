using System.CommandLine;
using Federation.Cli.Output;
using Federation.Common;
using Federation.V1;

namespace Federation.Cli.Commands;

/// <summary>
/// `fedctl deploy NS/NAME --image IMAGE [--port P] [--env K=V] [--label K=V] [-- COMMAND...]` (one container) or `fedctl deploy -f WORKLOAD.yaml`
/// (one or several containers, <see cref="WorkloadFile"/>): starts a workload with a stable address.
/// </summary>
public static class DeployCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var workload = WorkloadArgument.Create();
        workload.Arity = ArgumentArity.ZeroOrOne;
        var file = new Option<string>("--file", "-f") { Description = "a workload file (YAML) of one or several containers, instead of NS/NAME --image ..." };
        var image = new Option<string>("--image") { Description = "the app's image (present on the cluster's Docker host)" };
        var ports = NumberOptions.Ports("--port", "-p", "container port(s) the app listens on (1 to 65535)");
        var env = new Option<string[]>("--env", "-e") { Description = "KEY=VALUE environment of the app" };
        var labels = new Option<string[]>("--label", "-l") { Description = "KEY=VALUE label of the workload for the policies (federation.io/priority=N, federation.io/no-offload=true)" };
        var command = new Argument<string[]>("command") { Description = "command overriding the image's", Arity = ArgumentArity.ZeroOrMore };
        var deploy = new Command("deploy", "start a workload in the cluster, reachable on a stable address") { workload, file, image, ports, env, labels, command };
        deploy.SetAction(async (result, ct) =>
        {
            var (reference, spec) = result.GetValue(file) is { } path
                ? FromFile(path, result.GetValue(workload), result.GetValue(image), result.GetValue(ports), result.GetValue(env), result.GetValue(command))
                : FromOptions(result.GetValue(workload), result.GetValue(image), result.GetValue(ports), result.GetValue(env), result.GetValue(command));
            var (ns, name) = (reference.Namespace, reference.Name);
            foreach (var pair in result.GetValue(labels) ?? [])
            {
                var eq = pair.IndexOf('=');
                if (eq <= 0) throw new CliException(ExitCodes.Usage, $"--label '{pair}' is not KEY=VALUE");
                spec.Labels[pair[..eq]] = pair[(eq + 1)..];
            }
            using var connection = global.Connect(result);
            var deployed = await connection.Client.DeployAsync(new DeployRequest { Ref = reference, Spec = spec },
                deadline: CoordinatorConnection.Deadline(120), cancellationToken: ct);
            await console.Out.WriteLineAsync(global.Json(result) ? Json.Format(deployed)
                : Names.Printable($"{ns}/{name} deployed in {connection.Cluster.Name}; stable address {deployed.StableAddress}"));
            return ExitCodes.Ok;
        });
        return deploy;
    }

    private static (WorkloadRef, AppSpec) FromFile(string path, string? workload, string? image, uint[]? ports, string[]? env, string[]? command)
    {
        if (workload is not null) throw new CliException(ExitCodes.Usage, "with -f the workload's name comes from the file (metadata.name), not the command line");
        if (image is not null || ports is { Length: > 0 } || env is { Length: > 0 } || command is { Length: > 0 })
            throw new CliException(ExitCodes.Usage, "-f cannot be combined with --image, --port, --env or a command: put them in the file");
        return WorkloadFile.Load(path);
    }

    private static (WorkloadRef, AppSpec) FromOptions(string? workload, string? image, uint[]? ports, string[]? env, string[]? command)
    {
        if (workload is null || image is null) throw new CliException(ExitCodes.Usage, "deploy needs NAMESPACE/NAME and --image IMAGE, or -f WORKLOAD.yaml");
        var reference = WorkloadArgument.Parse(workload);
        var spec = new AppSpec { Name = reference.Name, Image = image };
        spec.Command.AddRange(command ?? []);
        foreach (var port in ports ?? []) spec.Ports.Add(new PortMapping { ContainerPort = port });
        foreach (var pair in env ?? [])
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0) throw new CliException(ExitCodes.Usage, $"--env '{pair}' is not KEY=VALUE");
            spec.Env[pair[..eq]] = pair[(eq + 1)..];
        }
        return (reference, spec);
    }
}
