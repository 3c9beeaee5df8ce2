using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube;

/// <summary>
/// A pod's volumes on this node: emptyDir as a Docker volume of the pod (memory-backed: a tmpfs volume, shared by the
/// pod's containers like a real one), hostPath as a bind mount, configMap, secret and downwardAPI as files written
/// under the agent's state directory and bind-mounted read-only.
/// </summary>
public sealed class PodVolumes(DockerClient docker, IKubernetes client, NodeAgentOptions options, V1Pod pod)
{
    /// <summary>Volume name -> how it is mounted (a Docker volume's name, or a host path).</summary>
    private readonly Dictionary<string, (string Type, string Source)> prepared = new();

    public string FilesDirectory => Path.Combine(options.StateDirectory, pod.Metadata.Uid);

    /// <summary>Creates what the pod's volumes need (once per volume; files of configMaps and secrets are written again each call).</summary>
    /// <exception cref="PodConfigException">A volume this node cannot provide.</exception>
    public async Task PrepareAsync(string podIp, CancellationToken ct)
    {
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            if (volume.EmptyDir is { } emptyDir)
            {
                if (prepared.ContainsKey(volume.Name)) continue;
                var name = $"{options.ClusterId}_{pod.Metadata.Uid}_{volume.Name}";
                var memory = string.Equals(emptyDir.Medium, "Memory", StringComparison.Ordinal);
                var size = emptyDir.SizeLimit is { } limit ? $"size={(long)limit.ToDecimal()}" : "size=16g";
                await docker.Volumes.CreateAsync(new VolumesCreateParameters
                {
                    Name = name,
                    Driver = "local",
                    DriverOpts = memory ? new Dictionary<string, string> { ["type"] = "tmpfs", ["device"] = "tmpfs", ["o"] = size } : null,
                    Labels = NodeLabels.For(options.ClusterId, pod, volume.Name),
                }, ct);
                prepared[volume.Name] = ("volume", name);
            }
            else if (volume.HostPath is { } hostPath)
            {
                PrepareHostPath(hostPath);
                prepared[volume.Name] = ("bind", hostPath.Path);
            }
            else if (volume.ConfigMap is { } cm)
            {
                var map = await PodEnvironment.ConfigMapAsync(client, Namespace, cm.Name, cm.Optional == true, ct);
                var data = (map?.Data ?? new Dictionary<string, string>()).ToDictionary(p => p.Key, p => Encoding.UTF8.GetBytes(p.Value));
                foreach (var (k, v) in map?.BinaryData ?? new Dictionary<string, byte[]>()) data[k] = v;
                prepared[volume.Name] = ("bind", WriteFiles(volume.Name, data, cm.Items, cm.DefaultMode, cm.Optional == true, $"configmap \"{cm.Name}\""));
            }
            else if (volume.Secret is { } secretSource)
            {
                var secret = await PodEnvironment.SecretAsync(client, Namespace, secretSource.SecretName, secretSource.Optional == true, ct);
                var data = new Dictionary<string, byte[]>(secret?.Data ?? new Dictionary<string, byte[]>());
                prepared[volume.Name] = ("bind", WriteFiles(volume.Name, data, secretSource.Items, secretSource.DefaultMode, secretSource.Optional == true, $"secret \"{secretSource.SecretName}\""));
            }
            else if (volume.DownwardAPI is { } downward)
            {
                var data = new Dictionary<string, byte[]>();
                foreach (var item in downward.Items ?? [])
                {
                    var value = item.FieldRef is { } f ? DownwardApi.Field(pod, f.FieldPath, podIp, options.NodeIp)
                        : item.ResourceFieldRef is { } r ? DownwardApi.Resource(pod, r)
                        : throw new PodConfigException($"downwardAPI volume {volume.Name}: item {item.Path} has neither fieldRef nor resourceFieldRef");
                    data[item.Path] = Encoding.UTF8.GetBytes(value);
                }
                prepared[volume.Name] = ("bind", WriteFiles(volume.Name, data, null, downward.DefaultMode, false, ""));
            }
            else
            {
                throw new PodConfigException($"volume {volume.Name}: only emptyDir, hostPath, configMap, secret and downwardAPI volumes are supported by the test node");
            }
        }
    }

    /// <summary>The Docker mounts of a container's volumeMounts.</summary>
    public List<Mount> MountsOf(V1Container container)
    {
        var mounts = new List<Mount>();
        foreach (var m in container.VolumeMounts ?? [])
        {
            if (!prepared.TryGetValue(m.Name, out var source))
                throw new PodConfigException($"container {container.Name}: volumeMount {m.Name} names no volume of the pod");
            var readOnly = m.ReadOnlyProperty == true;
            if (string.IsNullOrEmpty(m.SubPath))
            {
                mounts.Add(new Mount { Type = source.Type, Source = source.Source, Target = m.MountPath, ReadOnly = readOnly });
                continue;
            }
            if (m.SubPath.Split('/').Contains("..") || Path.IsPathRooted(m.SubPath))
                throw new PodConfigException($"container {container.Name}: subPath {m.SubPath} must be a relative path without '..'");
            if (source.Type != "bind")
                throw new PodConfigException($"container {container.Name}: subPath on emptyDir {m.Name} is not supported by the test node");
            var path = Path.Combine(source.Source, m.SubPath);
            if (!Path.Exists(path)) Directory.CreateDirectory(path);
            mounts.Add(new Mount { Type = "bind", Source = path, Target = m.MountPath, ReadOnly = readOnly });
        }
        return mounts;
    }

    /// <summary>Removes the pod's Docker volumes and files. Safe to repeat.</summary>
    public static async Task RemoveAsync(DockerClient docker, NodeAgentOptions options, string podUid, CancellationToken ct)
    {
        var volumes = await docker.Volumes.ListAsync(new VolumesListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{NodeLabels.PodUid}={podUid}"] = true } },
        }, ct);
        foreach (var v in volumes.Volumes ?? new List<VolumeResponse>())
        {
            try { await docker.Volumes.RemoveAsync(v.Name, force: true, ct); }
            catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound) { }
        }
        var files = Path.Combine(options.StateDirectory, podUid);
        if (Directory.Exists(files)) Directory.Delete(files, recursive: true);
    }

    private string Namespace => pod.Metadata.NamespaceProperty ?? "default";

    private static void PrepareHostPath(V1HostPathVolumeSource hostPath)
    {
        var path = hostPath.Path;
        switch (hostPath.Type ?? "")
        {
            case "DirectoryOrCreate":
                Directory.CreateDirectory(path);
                break;
            case "FileOrCreate":
                if (!File.Exists(path)) File.WriteAllBytes(path, []);
                break;
            case "Directory" when !Directory.Exists(path):
            case "File" when !File.Exists(path):
            case "Socket" when !File.Exists(path):
                throw new PodConfigException($"hostPath type check failed: {path} is not a {hostPath.Type}");
        }
    }

    private string WriteFiles(string volume, Dictionary<string, byte[]> data, IList<V1KeyToPath>? items, int? defaultMode, bool optional, string what)
    {
        var dir = Path.Combine(FilesDirectory, volume);
        Directory.CreateDirectory(dir);
        var files = items is { Count: > 0 }
            ? items.Select(i => (Key: i.Key, Path: i.Path, Mode: i.Mode ?? defaultMode)).ToList()
            : data.Keys.Select(k => (Key: k, Path: k, Mode: defaultMode)).ToList();
        foreach (var (key, relative, mode) in files)
        {
            if (!data.TryGetValue(key, out var bytes))
            {
                if (optional) continue;
                throw new PodConfigException($"volume {volume}: {what} has no key {key}");
            }
            if (relative.Split('/').Contains("..") || Path.IsPathRooted(relative))
                throw new PodConfigException($"volume {volume}: path {relative} must be relative without '..'");
            var path = Path.Combine(dir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, bytes);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)(mode ?? 420));
        }
        return dir;
    }
}
