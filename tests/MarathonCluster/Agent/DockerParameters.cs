using System.Globalization;
using Docker.DotNet.Models;

namespace Federation.Tests.Marathon.Agent;

/// <summary>
/// <c>container.docker.parameters</c>: each key/value is a <c>docker run --key=value</c> option to the Mesos Docker containerizer;
/// here each is mapped onto the Engine API's create parameters. A key docker run does not know fails the task, as the
/// containerizer's <c>docker run</c> would.
/// </summary>
public static class DockerParameters
{
    /// <summary>Options docker run knows that the test agent takes no action on (documented in the README).</summary>
    private static readonly HashSet<string> Ignored = ["name", "log-driver", "log-opt", "stop-signal", "stop-timeout", "init", "rm", "oom-score-adj"];

    public static void Apply(IReadOnlyList<KeyValuePair<string, string>> parameters, CreateContainerParameters create, HostConfig host)
    {
        foreach (var (key, value) in parameters)
        {
            switch (key)
            {
                case "label" or "l":
                    var (lk, lv) = Split(value, '=');
                    create.Labels[lk] = lv;
                    break;
                case "env" or "e":
                    create.Env.Add(value.Contains('=') ? value : $"{value}=");
                    break;
                case "volume" or "v":
                    host.Binds = [.. host.Binds ?? [], value];
                    break;
                case "cap-add":
                    host.CapAdd = [.. host.CapAdd ?? [], value];
                    break;
                case "cap-drop":
                    host.CapDrop = [.. host.CapDrop ?? [], value];
                    break;
                case "device":
                    var parts = value.Split(':');
                    host.Devices = [.. host.Devices ?? [], new DeviceMapping
                    {
                        PathOnHost = parts[0],
                        PathInContainer = parts.Length > 1 ? parts[1] : parts[0],
                        CgroupPermissions = parts.Length > 2 ? parts[2] : "rwm",
                    }];
                    break;
                case "device-cgroup-rule":
                    host.DeviceCgroupRules = [.. host.DeviceCgroupRules ?? [], value];
                    break;
                case "security-opt":
                    if (value == "systempaths=unconfined")
                    {
                        host.MaskedPaths = [];
                        host.ReadonlyPaths = [];
                    }
                    else
                    {
                        host.SecurityOpt = [.. host.SecurityOpt ?? [], value];
                    }
                    break;
                case "tmpfs":
                    var (path, options) = Split(value, ':');
                    host.Tmpfs ??= new Dictionary<string, string>();
                    host.Tmpfs[path] = options;
                    break;
                case "network" or "net":
                    host.NetworkMode = value;
                    break;
                case "pid":
                    host.PidMode = value;
                    break;
                case "ipc":
                    host.IpcMode = value;
                    break;
                case "hostname" or "h":
                    create.Hostname = value;
                    break;
                case "user" or "u":
                    create.User = value;
                    break;
                case "workdir" or "w":
                    create.WorkingDir = value;
                    break;
                case "entrypoint":
                    create.Entrypoint = [value];
                    break;
                case "add-host":
                    host.ExtraHosts = [.. host.ExtraHosts ?? [], value];
                    break;
                case "dns":
                    host.DNS = [.. host.DNS ?? [], value];
                    break;
                case "ulimit":
                    var (name, limits) = Split(value, '=');
                    var (soft, hard) = Split(limits, ':');
                    host.Ulimits = [.. host.Ulimits ?? [], new Ulimit
                    {
                        Name = name,
                        Soft = long.Parse(soft, CultureInfo.InvariantCulture),
                        Hard = long.Parse(hard.Length > 0 ? hard : soft, CultureInfo.InvariantCulture),
                    }];
                    break;
                case "shm-size":
                    host.ShmSize = ParseBytes(value);
                    break;
                case "memory-swap":
                    host.MemorySwap = value == "-1" ? -1 : ParseBytes(value);
                    break;
                case "privileged":
                    host.Privileged = value is "" or "true";
                    break;
                case "cgroupns":
                    host.CgroupnsMode = value;
                    break;
                case "sysctl":
                    var (sk, sv) = Split(value, '=');
                    host.Sysctls ??= new Dictionary<string, string>();
                    host.Sysctls[sk] = sv;
                    break;
                default:
                    if (Ignored.Contains(key)) break;
                    throw new TaskLaunchException($"Failed to launch container: docker run: unknown flag: --{key}");
            }
        }
    }

    private static (string, string) Split(string value, char at)
    {
        var i = value.IndexOf(at);
        return i < 0 ? (value, "") : (value[..i], value[(i + 1)..]);
    }

    private static long ParseBytes(string value)
    {
        var text = value.Trim().ToLowerInvariant();
        long unit = 1;
        if (text.EndsWith('b')) text = text[..^1];
        if (text.EndsWith('k')) { unit = 1L << 10; text = text[..^1]; }
        else if (text.EndsWith('m')) { unit = 1L << 20; text = text[..^1]; }
        else if (text.EndsWith('g')) { unit = 1L << 30; text = text[..^1]; }
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n * unit
            : throw new TaskLaunchException($"Failed to launch container: docker run: invalid size: '{value}'");
    }
}
