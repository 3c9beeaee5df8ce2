using Federation.Common;
using Microsoft.Extensions.Options;

namespace Federation.Adapters.Docker;

/// <summary>Checks the Docker-host settings at start (only when "docker" is the configured kind), one line per mistake.</summary>
public sealed class DockerHostSettingsValidator(ClusterContext cluster) : IValidateOptions<DockerHostSettings>
{
    public ValidateOptionsResult Validate(string? name, DockerHostSettings settings)
    {
        if (cluster.AdapterKind != DockerAdapterRegistration.Kind) return ValidateOptionsResult.Skip;
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(settings.RuntimeImage)) failures.Add("adapter runtime image is empty (docker adapter: --runtime-image)");
        try { Names.CheckAppName(settings.NamePrefix, "adapter name prefix"); }
        catch (FederationException e) { failures.Add(e.Message); }
        if (settings.MaxWorkloads < 0) failures.Add("adapter max workloads is negative");
        if (settings.WarmRuntimes is < 0 or > DockerHostSettings.MaxWarmRuntimes)
            failures.Add($"adapter warm runtimes must be 0 to {DockerHostSettings.MaxWarmRuntimes} (--warm-runtimes)");
        if (settings.ParsedWarmRuntimePorts() is not { } warmPorts)
            failures.Add($"adapter warm runtime ports '{Names.Shorten(settings.WarmRuntimePorts)}' are not comma-separated port numbers 1 to 65535 (--warm-runtime-ports)");
        else if (warmPorts.Count > WarmRuntimePool.MaxLearnedPorts)
            failures.Add($"adapter warm runtime ports name more than {WarmRuntimePool.MaxLearnedPorts} ports (--warm-runtime-ports)");
        if (settings.SharedVolumes.Length > 0 && !Path.IsPathRooted(settings.SharedVolumes))
            failures.Add($"adapter shared volumes directory '{Names.Shorten(settings.SharedVolumes)}' is not an absolute path (--shared-volumes)");
        else if (settings.SharedVolumes.Length > 0 && !Directory.Exists(settings.SharedVolumes))
            failures.Add($"adapter shared volumes directory '{Names.Shorten(settings.SharedVolumes)}' does not exist (--shared-volumes)");
        if (settings.MaxRelayConnections < 1) failures.Add("adapter max relay connections must be at least 1");
        if (settings.MaxTrafficHold <= TimeSpan.Zero || settings.MaxTrafficHold > TimeSpan.FromDays(1)) failures.Add("adapter max traffic hold must be above zero and at most a day");
        if (!Uri.TryCreate(settings.DockerEndpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("unix" or "tcp" or "http" or "npipe"))
            failures.Add($"docker endpoint '{settings.DockerEndpoint}' is not a unix://, tcp:// or http:// URL");
        switch (settings.ParsedImageSource())
        {
            case null:
                failures.Add($"adapter image source '{Names.Shorten(settings.ImageSource)}' is neither 'host' nor 'registry' (--image-source)");
                break;
            case ImageSource.Registry:
                failures.AddRange(settings.RegistryProblems());
                break;
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
