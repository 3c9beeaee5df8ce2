using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Common;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// The nested Docker containers that hold apps: each carries the app's name in the <see cref="AppLabel"/> label. A
/// single-container app's container is named after the app; the containers of a workload of several are named
/// <c>&lt;app&gt;.&lt;container&gt;</c> and carry their name and place in the list (<see cref="ContainerLabel"/>,
/// <see cref="IndexLabel"/>); the first one owns the network namespace the others join and publishes the app's ports.
/// Finds, lists, creates and removes them, and reads a spec back from one that has no app record.
/// </summary>
public sealed partial class AppContainers(DockerSocket docker, PodCriuConfig podCriu, RuntimeModuleOptions options, ILogger<AppContainers> logger)
{
    /// <summary>The label whose value names the app a container holds.</summary>
    public const string AppLabel = "federation.app";

    /// <summary>The container's name in a workload of several (absent on a single-container app's).</summary>
    public const string ContainerLabel = "federation.container";

    /// <summary>The container's place in a workload of several, from 0 (absent on a single-container app's).</summary>
    public const string IndexLabel = "federation.container-index";

    /// <summary>The newest first container of the app (a single-container app's only one), or null.</summary>
    public async Task<ContainerListResponse?> FindAsync(string app, CancellationToken ct) =>
        (await ListOfAppAsync(app, ct)).Where(IsFirst).OrderByDescending(c => c.Created).FirstOrDefault();

    /// <summary>The newest container of each of the app's containers, in start order (one for a single-container app).</summary>
    public async Task<IReadOnlyList<ContainerListResponse>> FindAllAsync(string app, CancellationToken ct) =>
        (await ListOfAppAsync(app, ct))
            .GroupBy(c => c.Labels.TryGetValue(ContainerLabel, out var name) ? name : "")
            .Select(g => g.OrderByDescending(c => c.Created).First())
            .OrderBy(Index)
            .ToList();

    /// <summary>Every container of the app, old copies included.</summary>
    public async Task<IList<ContainerListResponse>> ListOfAppAsync(string app, CancellationToken ct) =>
        await docker.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{AppLabel}={app}"] = true } },
        }, ct);

    /// <summary>The container's name in its workload ("" for a single-container app's).</summary>
    public static string ContainerName(ContainerListResponse container) =>
        container.Labels.TryGetValue(ContainerLabel, out var name) ? name : "";

    private static bool IsFirst(ContainerListResponse c) => Index(c) == 0;

    private static int Index(ContainerListResponse c) =>
        c.Labels.TryGetValue(IndexLabel, out var index) && int.TryParse(index, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : 0;

    /// <summary>The newest container of every app, by app name.</summary>
    public async Task<IReadOnlyDictionary<string, ContainerListResponse>> ListByAppAsync(CancellationToken ct)
    {
        var containers = await docker.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [AppLabel] = true } },
        }, ct);
        return containers.Where(IsFirst).GroupBy(c => c.Labels[AppLabel]).ToDictionary(g => g.Key, g => g.OrderByDescending(c => c.Created).First());
    }

    /// <summary>
    /// Creates the app's containers (not started), in start order, and returns their ids in that order. A failure removes
    /// the ones already created.
    /// </summary>
    public async Task<IReadOnlyList<string>> CreateAsync(AppSpec spec, CancellationToken ct)
    {
        CheckSharedVolumes(spec);
        var listed = AppSpecContainers.IsListed(spec);
        var criuConfig = listed ? await podCriu.EnsureAsync(ct) : null;
        var ids = new List<string>();
        try
        {
            var index = 0;
            foreach (var container in AppSpecContainers.Of(spec))
            {
                ids.Add(await CreateOneAsync(spec, container, index, ids.FirstOrDefault(), criuConfig, ct));
                index++;
            }
            return ids;
        }
        catch
        {
            foreach (var id in ids) await RemoveQuietlyAsync(id);
            throw;
        }
    }

    /// <summary>A named volume of the inner dockerd, or a shared volume bound from the runtime's shared storage.</summary>
    private Mount MountOf(VolumeMount volume) => volume.Shared
        ? new Mount { Type = "bind", Source = SharedVolumePath(volume.Name), Target = volume.ContainerPath, ReadOnly = volume.ReadOnly }
        : new Mount { Type = "volume", Source = volume.Name, Target = volume.ContainerPath, ReadOnly = volume.ReadOnly };

    /// <summary>Where the shared volume of that name is in this runtime (the same path for dockerd and the Engine).</summary>
    public string SharedVolumePath(string name) => Path.Combine(options.SharedVolumesDirectory, name);

    /// <summary>Refuses, before anything is created, an app whose shared volume is not in this runtime's shared storage.</summary>
    public void CheckSharedVolumes(AppSpec spec)
    {
        foreach (var name in AppSpecContainers.SharedVolumes(spec))
        {
            if (!Directory.Exists(SharedVolumePath(name)))
                throw FederationException.FailedPrecondition(
                    $"shared volume '{name}' of app '{spec.Name}' is not in this runtime's shared storage ({SharedVolumePath(name)})");
        }
    }

    private async Task<string> CreateOneAsync(AppSpec spec, AppContainer container, int index, string? networkOwner, string? criuConfig, CancellationToken ct)
    {
        var ports = networkOwner is null ? spec.Ports.ToDictionary(p => $"{p.ContainerPort}/{Protocol(p)}", p => p) : [];
        var parameters = new CreateContainerParameters
        {
            Name = spec.Name,
            Image = container.Image,
            Cmd = container.Command.Count > 0 ? container.Command.ToList() : null,
            Env = container.Env.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
            Labels = new Dictionary<string, string> { [AppLabel] = spec.Name },
            ExposedPorts = ports.Keys.ToDictionary(k => k, _ => new EmptyStruct()),
            HostConfig = new HostConfig
            {
                PortBindings = ports.ToDictionary(
                    kv => kv.Key,
                    kv => (IList<PortBinding>)[new PortBinding { HostPort = RuntimePort(kv.Value).ToString(System.Globalization.CultureInfo.InvariantCulture) }]),
                Mounts = container.Volumes.Select(MountOf).ToList(),
            },
        };
        try
        {
            if (criuConfig is null) return (await docker.Client.Containers.CreateContainerAsync(parameters, ct)).ID;
            return await CreateMemberAsync(spec.Name, container, index, parameters, networkOwner, criuConfig, ct);
        }
        catch (Exception e) when (e is DockerApiException or DockerCallException)
        {
            var which = criuConfig is null ? "the container" : $"container '{container.Name}'";
            var reason = e is DockerApiException api ? DockerMessage(api) : ErrorMappingInterceptor.OneLine(e.Message);
            throw FederationException.FailedPrecondition($"cannot create {which} of app '{spec.Name}': {reason}");
        }
    }

    /// <summary>
    /// Creates a container of a workload of several through the Engine API itself: it needs the OCI annotation that points
    /// runc at the workload's CRIU configuration (<see cref="PodCriuConfig"/>), which Docker.DotNet's models lack.
    /// </summary>
    private async Task<string> CreateMemberAsync(string app, AppContainer container, int index, CreateContainerParameters parameters,
        string? networkOwner, string criuConfig, CancellationToken ct)
    {
        var hostConfig = new JsonObject
        {
            ["PortBindings"] = new JsonObject(parameters.HostConfig.PortBindings.Select(kv => KeyValuePair.Create(kv.Key,
                (JsonNode?)new JsonArray(kv.Value.Select(b => (JsonNode?)new JsonObject { ["HostPort"] = b.HostPort }).ToArray())))),
            ["Mounts"] = new JsonArray(parameters.HostConfig.Mounts.Select(m => (JsonNode?)new JsonObject
            {
                ["Type"] = m.Type, ["Source"] = m.Source, ["Target"] = m.Target, ["ReadOnly"] = m.ReadOnly,
            }).ToArray()),
            ["Annotations"] = new JsonObject { [PodCriuConfig.Annotation] = criuConfig },
        };
        // As in a pod: every container after the first joins its network namespace.
        if (networkOwner is not null) hostConfig["NetworkMode"] = $"container:{networkOwner}";
        var body = new JsonObject
        {
            ["Image"] = parameters.Image,
            ["Env"] = new JsonArray(parameters.Env.Select(e => (JsonNode?)e).ToArray()),
            ["Labels"] = new JsonObject
            {
                [AppLabel] = app,
                [ContainerLabel] = container.Name,
                [IndexLabel] = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            ["ExposedPorts"] = new JsonObject(parameters.ExposedPorts.Keys.Select(k => KeyValuePair.Create(k, (JsonNode?)new JsonObject()))),
            ["HostConfig"] = hostConfig,
        };
        if (parameters.Cmd is { } cmd) body["Cmd"] = new JsonArray(cmd.Select(c => (JsonNode?)c).ToArray());
        using var content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var response = await docker.Http.PostAsync($"containers/create?name={Uri.EscapeDataString(DockerName(app, container.Name))}", content, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            string message;
            try
            {
                message = JsonNode.Parse(text)?["message"]?.GetValue<string>() ?? text;
            }
            catch (System.Text.Json.JsonException)
            {
                message = text;
            }
            throw new DockerCallException(response.StatusCode, message.Trim());
        }
        return JsonNode.Parse(text)?["Id"]?.GetValue<string>() ?? throw new DockerCallException(response.StatusCode, "container create: no id in the answer");
    }

    /// <summary>The Docker name of a container of a workload of several.</summary>
    public static string DockerName(string app, string container) => $"{app}.{container}";

    /// <summary>Every image of the app must be in the runtime.</summary>
    public async Task EnsureImagesAsync(AppSpec spec, CancellationToken ct)
    {
        foreach (var image in AppSpecContainers.Images(spec)) await EnsureImageAsync(image, ct);
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
