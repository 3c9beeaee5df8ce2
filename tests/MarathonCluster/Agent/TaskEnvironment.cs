using System.Globalization;
using System.Text;
using Federation.Tests.Marathon.Model;

namespace Federation.Tests.Marathon.Agent;

/// <summary>
/// The environment Marathon gives a task (its EnvironmentHelper): MESOS_TASK_ID, MARATHON_APP_*, HOST, PORTS, PORT, PORT0..n,
/// PORT_&lt;NAME&gt; and, for mapped ports, PORT_&lt;containerPort&gt;. The app's own env is applied after them and wins.
/// </summary>
public static class TaskEnvironment
{
    public static List<string> Build(AppDefinition app, string version, string taskId, string host, IReadOnlyList<int> hostPorts)
    {
        var env = new Dictionary<string, string>
        {
            ["MESOS_TASK_ID"] = taskId,
            ["MARATHON_APP_ID"] = app.Id,
            ["MARATHON_APP_VERSION"] = version,
            ["MARATHON_APP_DOCKER_IMAGE"] = app.Docker?.Image ?? "",
            ["MARATHON_APP_RESOURCE_CPUS"] = app.Cpus.ToString(CultureInfo.InvariantCulture),
            ["MARATHON_APP_RESOURCE_MEM"] = app.Mem.ToString(CultureInfo.InvariantCulture),
            ["MARATHON_APP_RESOURCE_DISK"] = app.Disk.ToString(CultureInfo.InvariantCulture),
            ["MARATHON_APP_RESOURCE_GPUS"] = "0",
            ["MESOS_SANDBOX"] = "/mnt/mesos/sandbox",
            ["HOST"] = host,
        };
        var labelNames = new List<string>();
        foreach (var (key, value) in app.Labels)
        {
            var name = LabelEnvName(key);
            if (name is null || value.Length > 512) continue;
            env[$"MARATHON_APP_LABEL_{name}"] = value;
            labelNames.Add(name);
        }
        env["MARATHON_APP_LABELS"] = string.Join(' ', labelNames);
        if (hostPorts.Count > 0)
        {
            env["PORTS"] = string.Join(',', hostPorts);
            env["PORT"] = hostPorts[0].ToString(CultureInfo.InvariantCulture);
        }
        for (var i = 0; i < hostPorts.Count; i++)
        {
            var port = hostPorts[i].ToString(CultureInfo.InvariantCulture);
            env[$"PORT{i}"] = port;
            if (i < app.Ports.Count)
            {
                if (app.Ports[i].Name is { } portName) env[$"PORT_{portName.ToUpperInvariant().Replace('-', '_')}"] = port;
                if (app.Ports[i].ContainerPort > 0) env[$"PORT_{app.Ports[i].ContainerPort}"] = port;
            }
        }
        foreach (var (key, value) in app.Env) env[key] = value;
        return env.Select(p => $"{p.Key}={p.Value}").ToList();
    }

    /// <summary>A label key as an environment variable name (upper case, others as '_'), or null when it cannot be one.</summary>
    private static string? LabelEnvName(string key)
    {
        var name = new StringBuilder();
        foreach (var c in key) name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_');
        return name.Length == 0 || char.IsAsciiDigit(name[0]) ? null : name.ToString();
    }
}
