using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Common;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// The nested Docker containers that hold apps: each is named after its app and carries the app's name
/// in the <see cref="AppLabel"/> label. Finds, lists, creates and removes them, and reads a spec back
/// from one that has no app record.
/// </summary>
public sealed partial class AppContainers(DockerSocket docker, ILogger<AppContainers> logger)
{
    /// <summary>The label whose value names the app a container holds.</summary>
    public const string AppLabel = "federation.app";

    /// <summary>The newest container labelled with the app, or null.</summary>
    public async Task<ContainerListResponse?> FindAsync(string app, CancellationToken ct)
    {
        var containers = await docker.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{AppLabel}={app}"] = true } },
        }, ct);
        return containers.OrderByDescending(c => c.Created).FirstOrDefault();
    }

    /// <summary>The newest container of every app, by app name.</summary>
    public async Task<IReadOnlyDictionary<string, ContainerListResponse>> ListByAppAsync(CancellationToken ct)
    {
        var containers = await docker.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [AppLabel] = true } },
        }, ct);
        return containers.GroupBy(c => c.Labels[AppLabel]).ToDictionary(g => g.Key, g => g.OrderByDescending(c => c.Created).First());
    }

    public async Task<string> CreateAsync(AppSpec spec, CancellationToken ct)
    {
        var ports = spec.Ports.ToDictionary(p => $"{p.ContainerPort}/{Protocol(p)}", p => p);
        var parameters = new CreateContainerParameters
        {
            Name = spec.Name,
            Image = spec.Image,
            Cmd = spec.Command.Count > 0 ? spec.Command.ToList() : null,
            Env = spec.Env.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
            Labels = new Dictionary<string, string> { [AppLabel] = spec.Name },
            ExposedPorts = ports.Keys.ToDictionary(k => k, _ => new EmptyStruct()),
            HostConfig = new HostConfig
            {
                PortBindings = ports.ToDictionary(
                    kv => kv.Key,
                    kv => (IList<PortBinding>)[new PortBinding { HostPort = RuntimePort(kv.Value).ToString(System.Globalization.CultureInfo.InvariantCulture) }]),
                Mounts = spec.Volumes.Select(v => new Mount { Type = "volume", Source = v.Name, Target = v.ContainerPath, ReadOnly = v.ReadOnly }).ToList(),
            },
        };
        try
        {
            return (await docker.Client.Containers.CreateContainerAsync(parameters, ct)).ID;
        }
        catch (DockerApiException e)
        {
            throw FederationException.FailedPrecondition($"cannot create the container of app '{spec.Name}': {DockerMessage(e)}");
        }
    }

    public async Task EnsureImageAsync(string image, CancellationToken ct)
    {
        try
        {
            await docker.Client.Images.InspectImageAsync(image, ct);
        }
        catch (DockerImageNotFoundException)
        {
            throw FederationException.FailedPrecondition($"image '{image}' is not in this runtime: pull it with PullImage or load it with LoadImage first");
        }
    }

    /// <summary>Returns once Docker knows the container is not running (at once when it already knows).</summary>
    public Task WaitUntilNotRunningAsync(string id, CancellationToken ct) => docker.Client.Containers.WaitContainerAsync(id, ct);

    public Task RemoveAsync(string id, CancellationToken ct) =>
        docker.Client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, ct);

    /// <summary>Removes a container during cleanup: never cancelled, and a failure is only logged.</summary>
    public async Task RemoveQuietlyAsync(string id)
    {
        try
        {
            await RemoveAsync(id, CancellationToken.None);
        }
        catch (DockerApiException e)
        {
            LogCleanupFailed(logger, id, e.Message);
        }
    }

    public async Task<AppSpec> SpecOfAsync(string id, string app, CancellationToken ct) =>
        SpecFrom(await docker.Client.Containers.InspectContainerAsync(id, ct), app);

    /// <summary>What an inspected container tells of its app's spec: image, command and environment.</summary>
    public static AppSpec SpecFrom(ContainerInspectResponse inspect, string app)
    {
        var spec = new AppSpec { Name = app, Image = inspect.Config.Image };
        spec.Command.AddRange(inspect.Config.Cmd ?? []);
        foreach (var kv in inspect.Config.Env ?? [])
        {
            var eq = kv.IndexOf('=');
            if (eq > 0) spec.Env[kv[..eq]] = kv[(eq + 1)..];
        }
        return spec;
    }

    /// <summary>The port the runtime publishes a container port on.</summary>
    public static uint RuntimePort(PortMapping p) => p.RuntimePort != 0 ? p.RuntimePort : p.ContainerPort;

    public static string DockerMessage(DockerApiException e) => ErrorMappingInterceptor.OneLine(e.ResponseBody ?? e.Message);

    private static string Protocol(PortMapping p) => string.IsNullOrEmpty(p.Protocol) ? "tcp" : p.Protocol;

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not remove container {Container}: {Reason}")]
    private static partial void LogCleanupFailed(ILogger logger, string container, string reason);
}
