using System.CommandLine;
using Federation.Cli.Output;
using Federation.Common;
using Federation.V1;

namespace Federation.Cli.Commands;

/// <summary>`fedctl deploy NS/NAME --image IMAGE [--port P] [--env K=V] [--label K=V] [-- COMMAND...]`: starts a workload with a stable address (demos, tests).</summary>
public static class DeployCommand
{
    public static Command Create(GlobalOptions global, CliConsole console)
    {
        var workload = WorkloadArgument.Create();
        var image = new Option<string>("--image") { Description = "the app's image (present on the cluster's Docker host)", Required = true };
        var ports = NumberOptions.Ports("--port", "-p", "container port(s) the app listens on (1 to 65535)");
        var env = new Option<string[]>("--env", "-e") { Description = "KEY=VALUE environment of the app" };
        var labels = new Option<string[]>("--label", "-l") { Description = "KEY=VALUE label of the workload for the policies (federation.io/priority=N, federation.io/no-offload=true)" };
        var command = new Argument<string[]>("command") { Description = "command overriding the image's", Arity = ArgumentArity.ZeroOrMore };
        var deploy = new Command("deploy", "start a workload in the cluster, reachable on a stable address") { workload, image, ports, env, labels, command };
        deploy.SetAction(async (result, ct) =>
        {
            var reference = WorkloadArgument.Parse(result.GetValue(workload));
            var (ns, name) = (reference.Namespace, reference.Name);
            var spec = new AppSpec { Name = name, Image = result.GetValue(image) };
            spec.Command.AddRange(result.GetValue(command) ?? []);
            foreach (var port in result.GetValue(ports) ?? []) spec.Ports.Add(new PortMapping { ContainerPort = port });
            foreach (var pair in result.GetValue(env) ?? [])
            {
                var eq = pair.IndexOf('=');
                if (eq <= 0) throw new CliException(ExitCodes.Usage, $"--env '{pair}' is not KEY=VALUE");
                spec.Env[pair[..eq]] = pair[(eq + 1)..];
            }
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
}
