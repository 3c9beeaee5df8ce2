using System.Globalization;
using Federation.Common;
using Federation.V1;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Federation.Cli;

/// <summary>
/// The workload file of <c>fedctl deploy -f</c> (YAML, kubectl-like): a workload of one or several containers.
/// <code>
/// apiVersion: federation/v1      # optional
/// kind: Workload                 # optional
/// metadata: { name: shop, namespace: default }
/// spec:
///   ports: [ { containerPort: 7000, runtimePort: 7000, protocol: tcp } ]
///   containers:                  # start order; all share the first one's network (localhost)
///     - name: store
///       image: federation/testapp:1
///       command: [ /app/testapp ]
///       env: { MODE: store }
///       volumes: [ { name: data, mountPath: /data, readOnly: false, shared: false } ]
/// </code>
/// One container is a single-container app named after the workload; several are a workload of several. Unknown fields
/// and bad values are refused with one line naming the file and line.
/// </summary>
public static class WorkloadFile
{
    public const string ApiVersion = "federation/v1";
    public const string Kind = "Workload";

    /// <summary>Reads and checks the file.</summary>
    /// <exception cref="CliException">The file is missing, not YAML, or not a valid workload (exit code 2).</exception>
    public static (WorkloadRef Ref, AppSpec Spec) Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.Usage, $"{Names.Shorten(path)}: cannot read the workload file: {e.Message}");
        }
        return Parse(text, Path.GetFileName(path));
    }

    /// <exception cref="CliException">Not a valid workload (exit code 2).</exception>
    public static (WorkloadRef Ref, AppSpec Spec) Parse(string text, string source)
    {
        var reader = new Reader(source);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new CliException(ExitCodes.Usage, $"{source}:{e.Start.Line}: not valid YAML: {Names.Shorten(e.InnerException?.Message ?? e.Message)}");
        }
        if (stream.Documents.Count != 1) throw new CliException(ExitCodes.Usage, $"{source}: holds {stream.Documents.Count} YAML documents, not one workload");
        return reader.Workload(stream.Documents[0].RootNode);
    }

    private sealed class Reader(string source)
    {
        public (WorkloadRef, AppSpec) Workload(YamlNode root)
        {
            var top = Mapping(root, "the workload", ["apiVersion", "kind", "metadata", "spec"]);
            if (top.TryGetValue("apiVersion", out var api) && Scalar(api, "apiVersion") != ApiVersion) throw Error(api, $"apiVersion must be {ApiVersion}");
            if (top.TryGetValue("kind", out var kind) && Scalar(kind, "kind") != Kind) throw Error(kind, $"kind must be {Kind}");
            var metadata = Mapping(Required(top, "metadata", root), "metadata", ["name", "namespace"]);
            var name = Scalar(Required(metadata, "name", root), "metadata.name");
            var ns = metadata.TryGetValue("namespace", out var nsNode) ? Scalar(nsNode, "metadata.namespace") : WorkloadArgument.DefaultNamespace;
            CheckName(metadata["name"], name, "metadata.name");
            CheckName(nsNode ?? metadata["name"], ns, "metadata.namespace");

            var specNode = Required(top, "spec", root);
            var spec = Mapping(specNode, "spec", ["ports", "containers"]);
            var app = new AppSpec { Name = name };
            if (spec.TryGetValue("ports", out var ports))
            {
                var i = 0;
                foreach (var port in Sequence(ports, "spec.ports")) app.Ports.Add(Port(port, $"spec.ports[{i++}]"));
            }
            var containerNodes = Sequence(Required(spec, "containers", specNode), "spec.containers");
            if (containerNodes.Count == 0) throw Error(spec["containers"], "spec.containers is empty: a workload has at least one container");
            var containers = containerNodes.Select((c, i) => Container(c, $"spec.containers[{i}]")).ToList();
            if (containers.Count == 1)
            {
                var only = containers[0];
                app.Image = only.Image;
                app.Command.AddRange(only.Command);
                app.Env.Add(only.Env);
                app.Volumes.AddRange(only.Volumes);
            }
            else
            {
                app.Containers.AddRange(containers);
            }
            try
            {
                AppSpecValidator.Validate(app);
            }
            catch (FederationException e)
            {
                throw new CliException(ExitCodes.Usage, $"{source}: {e.Message}");
            }
            return (new WorkloadRef { Namespace = ns, Name = name }, app);
        }

        private AppContainer Container(YamlNode node, string where)
        {
            var fields = Mapping(node, where, ["name", "image", "command", "env", "volumes"]);
            var container = new AppContainer
            {
                Name = Scalar(Required(fields, "name", node), $"{where}.name"),
                Image = Scalar(Required(fields, "image", node), $"{where}.image"),
            };
            CheckName(fields["name"], container.Name, $"{where}.name");
            if (fields.TryGetValue("command", out var command))
                container.Command.AddRange(Sequence(command, $"{where}.command").Select((c, i) => Scalar(c, $"{where}.command[{i}]")));
            if (fields.TryGetValue("env", out var env))
            {
                foreach (var (key, value) in Pairs(env, $"{where}.env"))
                {
                    var variable = Scalar(key, $"{where}.env key");
                    if (!container.Env.TryAdd(variable, Scalar(value, $"{where}.env.{variable}"))) throw Error(key, $"{where}.env sets {variable} twice");
                }
            }
            if (fields.TryGetValue("volumes", out var volumes))
            {
                var i = 0;
                foreach (var volume in Sequence(volumes, $"{where}.volumes"))
                {
                    var at = $"{where}.volumes[{i++}]";
                    var v = Mapping(volume, at, ["name", "mountPath", "readOnly", "shared"]);
                    var mount = new VolumeMount
                    {
                        Name = Scalar(Required(v, "name", volume), $"{at}.name"),
                        ContainerPath = Scalar(Required(v, "mountPath", volume), $"{at}.mountPath"),
                        ReadOnly = v.TryGetValue("readOnly", out var ro) && Boolean(ro, $"{at}.readOnly"),
                        Shared = v.TryGetValue("shared", out var shared) && Boolean(shared, $"{at}.shared"),
                    };
                    CheckName(v["name"], mount.Name, $"{at}.name");
                    if (!mount.ContainerPath.StartsWith('/')) throw Error(v["mountPath"], $"{at}.mountPath '{Names.Shorten(mount.ContainerPath)}' is not an absolute path");
                    container.Volumes.Add(mount);
                }
            }
            return container;
        }

        private PortMapping Port(YamlNode node, string where)
        {
            var fields = Mapping(node, where, ["containerPort", "runtimePort", "protocol"]);
            var port = new PortMapping { ContainerPort = Number(Required(fields, "containerPort", node), $"{where}.containerPort", 1, 65535) };
            if (fields.TryGetValue("runtimePort", out var runtimePort)) port.RuntimePort = Number(runtimePort, $"{where}.runtimePort", 1, 65535);
            if (fields.TryGetValue("protocol", out var protocol))
            {
                port.Protocol = Scalar(protocol, $"{where}.protocol").ToLowerInvariant();
                if (port.Protocol is not ("tcp" or "udp")) throw Error(protocol, $"{where}.protocol must be tcp or udp");
            }
            return port;
        }

        private Dictionary<string, YamlNode> Mapping(YamlNode node, string what, string[] allowed)
        {
            if (node is not YamlMappingNode mapping) throw Error(node, $"{what} must be a mapping");
            var fields = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var (key, value) in mapping.Children)
            {
                var name = Scalar(key, $"a field name of {what}");
                if (!allowed.Contains(name, StringComparer.Ordinal))
                    throw Error(key, $"unknown field '{Names.Shorten(name)}' in {what} (known: {string.Join(", ", allowed)})");
                if (!fields.TryAdd(name, value)) throw Error(key, $"field '{name}' appears twice in {what}");
            }
            return fields;
        }

        private IEnumerable<(YamlNode Key, YamlNode Value)> Pairs(YamlNode node, string what) =>
            node is YamlMappingNode mapping ? mapping.Children.Select(kv => (kv.Key, kv.Value)) : throw Error(node, $"{what} must be a mapping of NAME: VALUE");

        private List<YamlNode> Sequence(YamlNode node, string what) =>
            node is YamlSequenceNode sequence ? sequence.Children.ToList() : throw Error(node, $"{what} must be a list");

        private string Scalar(YamlNode node, string what) =>
            node is YamlScalarNode { Value: { } value } ? value : throw Error(node, $"{what} must be a single value");

        private uint Number(YamlNode node, string what, uint min, uint max)
        {
            var text = Scalar(node, what);
            if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number < min || number > max)
                throw Error(node, $"{what} '{Names.Shorten(text)}' is not a number from {min} to {max}");
            return number;
        }

        private bool Boolean(YamlNode node, string what) => Scalar(node, what) switch
        {
            "true" => true,
            "false" => false,
            var other => throw Error(node, $"{what} '{Names.Shorten(other)}' is not true or false"),
        };

        private YamlNode Required(Dictionary<string, YamlNode> fields, string name, YamlNode parent) =>
            fields.TryGetValue(name, out var node) ? node : throw Error(parent, $"field '{name}' is missing");

        private void CheckName(YamlNode node, string value, string what)
        {
            if (!Names.IsAppName(value)) throw Error(node, $"{what} '{Names.Shorten(value)}' is not a DNS label (lowercase letters, digits and '-', at most 63 characters)");
        }

        private CliException Error(YamlNode node, string message) => new(ExitCodes.Usage, $"{source}:{node.Start.Line}: {message}");
    }
}
