using Federation.Tests.Kube.Validation;
using k8s.Models;

namespace Federation.Tests.Kube.Resources;

/// <summary>Defaults and validation of a pod spec, shared by pods and the pod templates of workloads.</summary>
public static class PodSpecRules
{
    public static void Default(V1PodSpec? spec)
    {
        if (spec is null)
        {
            return;
        }
        spec.RestartPolicy ??= "Always";
        spec.DnsPolicy ??= "ClusterFirst";
        spec.SchedulerName ??= "default-scheduler";
        spec.TerminationGracePeriodSeconds ??= 30;
        spec.SecurityContext ??= new V1PodSecurityContext();
        foreach (var container in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            container.TerminationMessagePath ??= "/dev/termination-log";
            container.TerminationMessagePolicy ??= "File";
            container.ImagePullPolicy ??= PullPolicyFor(container.Image);
            container.Resources ??= new V1ResourceRequirements();
            foreach (var port in container.Ports ?? [])
            {
                port.Protocol ??= "TCP";
            }
        }
        foreach (var volume in spec.Volumes ?? [])
        {
            if (volume.ConfigMap is { } configMap)
            {
                configMap.DefaultMode ??= 420;
            }
            if (volume.Secret is { } secret)
            {
                secret.DefaultMode ??= 420;
            }
        }
    }

    private static string PullPolicyFor(string? image)
    {
        if (image is null)
        {
            return "IfNotPresent";
        }
        var lastSlash = image.LastIndexOf('/');
        var tail = image[(lastSlash + 1)..];
        if (tail.Contains('@', StringComparison.Ordinal))
        {
            return "IfNotPresent";
        }
        var colon = tail.LastIndexOf(':');
        return colon < 0 || tail[(colon + 1)..] == "latest" ? "Always" : "IfNotPresent";
    }

    public static IEnumerable<FieldCause> Validate(V1PodSpec? spec, string path, bool template)
    {
        if (spec is null)
        {
            yield return FieldCause.Required($"{path}.containers", "");
            yield break;
        }
        var volumeNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (volume, i) in (spec.Volumes ?? []).Select((v, i) => (v, i)))
        {
            var volumePath = $"{path}.volumes[{i}]";
            if (string.IsNullOrEmpty(volume.Name))
            {
                yield return FieldCause.Required($"{volumePath}.name", "");
            }
            else
            {
                foreach (var message in NameRules.Label(volume.Name))
                {
                    yield return FieldCause.Invalid($"{volumePath}.name", volume.Name, message);
                }
                if (!volumeNames.Add(volume.Name))
                {
                    yield return FieldCause.Duplicate($"{volumePath}.name", volume.Name);
                }
            }
        }
        if (spec.Containers is null || spec.Containers.Count == 0)
        {
            yield return FieldCause.Required($"{path}.containers", "");
        }
        var containerNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cause in ValidateContainers(spec.InitContainers, $"{path}.initContainers", containerNames, volumeNames))
        {
            yield return cause;
        }
        foreach (var cause in ValidateContainers(spec.Containers, $"{path}.containers", containerNames, volumeNames))
        {
            yield return cause;
        }
        string[] restartPolicies = template ? ["Always", "OnFailure", "Never"] : ["Always", "OnFailure", "Never"];
        if (spec.RestartPolicy is { } restart && !restartPolicies.Contains(restart))
        {
            yield return FieldCause.NotSupported($"{path}.restartPolicy", restart, restartPolicies);
        }
        if (spec.DnsPolicy is { } dns && dns is not ("ClusterFirst" or "ClusterFirstWithHostNet" or "Default" or "None"))
        {
            yield return FieldCause.NotSupported($"{path}.dnsPolicy", dns, "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None");
        }
        if (spec.TerminationGracePeriodSeconds is < 0)
        {
            yield return FieldCause.Invalid($"{path}.terminationGracePeriodSeconds", spec.TerminationGracePeriodSeconds, "must be greater than or equal to 0");
        }
        if (spec.ServiceAccountName is { Length: > 0 } account)
        {
            foreach (var message in NameRules.Subdomain(account))
            {
                yield return FieldCause.Invalid($"{path}.serviceAccountName", account, message);
            }
        }
    }

    private static IEnumerable<FieldCause> ValidateContainers(IList<V1Container>? containers, string path, HashSet<string> names, HashSet<string> volumes)
    {
        foreach (var (container, i) in (containers ?? []).Select((c, i) => (c, i)))
        {
            var at = $"{path}[{i}]";
            if (string.IsNullOrEmpty(container.Name))
            {
                yield return FieldCause.Required($"{at}.name", "");
            }
            else
            {
                foreach (var message in NameRules.Label(container.Name))
                {
                    yield return FieldCause.Invalid($"{at}.name", container.Name, message);
                }
                if (!names.Add(container.Name))
                {
                    yield return FieldCause.Duplicate($"{at}.name", container.Name);
                }
            }
            if (string.IsNullOrWhiteSpace(container.Image))
            {
                yield return FieldCause.Required($"{at}.image", "");
            }
            var portNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (port, j) in (container.Ports ?? []).Select((p, j) => (p, j)))
            {
                var portPath = $"{at}.ports[{j}]";
                if (port.ContainerPort == 0)
                {
                    yield return FieldCause.Required($"{portPath}.containerPort", "");
                }
                else
                {
                    foreach (var message in NameRules.PortNumber(port.ContainerPort))
                    {
                        yield return FieldCause.Invalid($"{portPath}.containerPort", port.ContainerPort, message);
                    }
                }
                if (port.HostPort is { } hostPort and not 0)
                {
                    foreach (var message in NameRules.PortNumber(hostPort))
                    {
                        yield return FieldCause.Invalid($"{portPath}.hostPort", hostPort, message);
                    }
                }
                if (port.Protocol is { } protocol && protocol is not ("TCP" or "UDP" or "SCTP"))
                {
                    yield return FieldCause.NotSupported($"{portPath}.protocol", protocol, "SCTP", "TCP", "UDP");
                }
                if (port.Name is { Length: > 0 } portName)
                {
                    foreach (var message in NameRules.PortName(portName))
                    {
                        yield return FieldCause.Invalid($"{portPath}.name", portName, message);
                    }
                    if (!portNames.Add(portName))
                    {
                        yield return FieldCause.Duplicate($"{portPath}.name", portName);
                    }
                }
            }
            foreach (var (variable, j) in (container.Env ?? []).Select((e, j) => (e, j)))
            {
                if (string.IsNullOrEmpty(variable.Name))
                {
                    yield return FieldCause.Required($"{at}.env[{j}].name", "");
                }
                else
                {
                    foreach (var message in NameRules.EnvName(variable.Name))
                    {
                        yield return FieldCause.Invalid($"{at}.env[{j}].name", variable.Name, message);
                    }
                }
            }
            foreach (var (mount, j) in (container.VolumeMounts ?? []).Select((m, j) => (m, j)))
            {
                if (string.IsNullOrEmpty(mount.Name))
                {
                    yield return FieldCause.Required($"{at}.volumeMounts[{j}].name", "");
                }
                else if (!volumes.Contains(mount.Name))
                {
                    yield return FieldCause.NotFound($"{at}.volumeMounts[{j}].name", mount.Name);
                }
                if (string.IsNullOrEmpty(mount.MountPath))
                {
                    yield return FieldCause.Required($"{at}.volumeMounts[{j}].mountPath", "");
                }
            }
        }
    }
}
