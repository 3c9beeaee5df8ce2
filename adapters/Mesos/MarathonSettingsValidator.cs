using Federation.Common;
using Federation.Common.Auth;
using Microsoft.Extensions.Options;

namespace Federation.Adapters.Mesos;

/// <summary>Checks the Marathon settings at start (only when "marathon" is the configured kind), one line per mistake.</summary>
public sealed class MarathonSettingsValidator(ClusterContext cluster) : IValidateOptions<MarathonSettings>
{
    public ValidateOptionsResult Validate(string? name, MarathonSettings settings)
    {
        if (cluster.AdapterKind != MarathonAdapterRegistration.Kind) return ValidateOptionsResult.Skip;
        var failures = Problems(settings);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static List<string> Problems(MarathonSettings settings)
    {
        var failures = new List<string>();
        if (settings.MarathonUrl.Length == 0) failures.Add("--marathon-url is required for the marathon adapter");
        else if (!Uri.TryCreate(settings.MarathonUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            failures.Add($"--marathon-url '{Names.Shorten(settings.MarathonUrl)}' is not an http:// or https:// URL");
        if (string.IsNullOrWhiteSpace(settings.RuntimeImage)) failures.Add("--runtime-image is required for the marathon adapter");
        if (settings.TokenFile.Length > 0 && (settings.Username.Length > 0 || settings.PasswordFile.Length > 0))
            failures.Add("--marathon-token-file excludes --marathon-user and --marathon-password-file (one kind of credential)");
        if ((settings.Username.Length > 0) != (settings.PasswordFile.Length > 0))
            failures.Add("--marathon-user and --marathon-password-file go together");
        if (settings.Username.Contains(':', StringComparison.Ordinal)) failures.Add("--marathon-user must not contain ':'");
        foreach (var (file, option) in new[] { (settings.PasswordFile, "--marathon-password-file"), (settings.TokenFile, "--marathon-token-file") })
        {
            if (file.Length > 0 && SecretFile.TryRead(file, out var problem) is null) failures.Add($"{option} {Names.Shorten(file)} {problem}");
        }
        if (!AppIds.IsGroup(settings.AppGroup))
            failures.Add($"--marathon-group '{Names.Shorten(settings.AppGroup)}' is not an absolute Marathon group (/name[/name...], lowercase letters, digits, '-', '.')");
        PlacementRules.Constraints(settings.Constraints, failures);
        PlacementRules.ServicePorts(settings.ServicePortRange, failures);
        if (Uri.CheckHostName(settings.LoadBalancerHost) == UriHostNameType.Unknown)
            failures.Add($"--marathon-lb-host '{Names.Shorten(settings.LoadBalancerHost)}' is not a host name or address");
        if (string.IsNullOrWhiteSpace(settings.HaproxyGroup)) failures.Add("marathon-lb group (HaproxyGroup) is empty");
        if (settings.ModuleHostPath.Length > 0 && !Path.IsPathRooted(settings.ModuleHostPath))
            failures.Add($"--module-host-path '{Names.Shorten(settings.ModuleHostPath)}' is not an absolute path");
        if (settings.DotnetHostPath.Length > 0 && !Path.IsPathRooted(settings.DotnetHostPath))
            failures.Add($"--dotnet-host-path '{Names.Shorten(settings.DotnetHostPath)}' is not an absolute path");
        if (settings.RuntimeCpus <= 0) failures.Add("runtime cpus must be above zero");
        if (settings.RuntimeMemoryMiB < 128) failures.Add("runtime memory must be at least 128 MiB");
        if (settings.MaxWorkloads < 0) failures.Add("--max-workloads must not be negative");
        foreach (var (value, what) in new[]
                 {
                     (settings.DeploymentTimeout, "--deployment-timeout"), (settings.LockWaitTimeout, "lock wait timeout"),
                     (settings.RequestTimeout, "request timeout"), (settings.WatchInterval, "watch interval"), (settings.MaxTrafficHold, "max traffic hold"),
                 })
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1)) failures.Add($"{what} must be above zero and at most a day");
        }
        switch (settings.ImageSource.Trim().ToLowerInvariant())
        {
            case "" or "registry" or "docker-socket":
                break;
            default:
                failures.Add($"--image-source '{Names.Shorten(settings.ImageSource)}' is neither 'registry' nor 'docker-socket'");
                break;
        }
        if (settings.ImagesFromDockerSocket)
        {
            var path = settings.ImageDockerSocketPath();
            if (settings.ImageDockerSocket.Length == 0) failures.Add("--image-source docker-socket needs --image-docker-socket");
            else if (!Path.IsPathRooted(path)) failures.Add($"--image-docker-socket '{Names.Shorten(settings.ImageDockerSocket)}' is not unix:///path or an absolute path");
            else if (!File.Exists(path)) failures.Add($"--image-docker-socket {Names.Shorten(path)} does not exist");
        }
        else
        {
            if (settings.ImageDockerSocket.Length > 0) failures.Add("--image-docker-socket goes with --image-source docker-socket, not registry");
            failures.AddRange(settings.RegistryProblems());
        }
        return failures;
    }
}
