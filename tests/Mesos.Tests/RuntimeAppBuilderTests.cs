using System.Text.Json;
using System.Text.Json.Nodes;
using Federation.Adapters;
using Federation.Adapters.Mesos;
using Federation.Adapters.Mesos.Api;
using Federation.Adapters.Mesos.Runtime;
using Federation.V1;
using Google.Protobuf;

namespace Federation.Mesos.Tests;

/// <summary>The runtime app the adapter posts, field by field, and every member it sends is one of the documented app definition.</summary>
[TestFixture]
public sealed class RuntimeAppBuilderTests
{
    private static readonly WorkloadId Id = new("shop", "cart");
    private const string AppId = "/federation/runtimes/shop/cart-0a1b2c3d";

    private static AppSpec Spec() => new()
    {
        Name = "cart",
        Image = "federation/testapp:1",
        Ports = { new PortMapping { ContainerPort = 8080 }, new PortMapping { ContainerPort = 9000, RuntimePort = 9100, Protocol = "TCP" } },
        Env = { ["MODE"] = "fast" },
    };

    internal static RuntimeAppOptions Options(bool privileged = true, string moduleHostPath = "") => new()
    {
        Cluster = "mesos-a",
        RuntimeImage = "federation/runtime:1",
        AppGroup = "/federation",
        Privileged = privileged,
        ModuleHostPath = moduleHostPath,
        DotnetHostPath = moduleHostPath.Length > 0 ? "/usr/share/dotnet" : "",
        Constraints = [["hostname", "LIKE", "agent-.*"], ["hostname", "UNIQUE"]],
        AcceptedResourceRoles = ["federation", "*"],
        Cpus = 2,
        MemoryMiB = 2048,
    };

    [Test]
    public void An_active_runtime_is_one_privileged_Docker_app_running_dockerd_the_Engine_and_the_Ambassador()
    {
        var app = new RuntimeAppBuilder(Options()).Build(AppId, Id, Spec(), RuntimeAppRole.Serving, "secret-credential");

        Assert.Multiple(() =>
        {
            Assert.That(app.Id, Is.EqualTo(AppId));
            Assert.That(app.Instances, Is.EqualTo(1));
            Assert.That(app.Cpus, Is.EqualTo(2));
            Assert.That(app.Mem, Is.EqualTo(2048));
            Assert.That(app.Container!.Type, Is.EqualTo("DOCKER"), "the Docker containerizer: Marathon pods (UCR) cannot run privileged containers");
            Assert.That(app.Container.Docker!.Image, Is.EqualTo("federation/runtime:1"));
            Assert.That(app.Container.Docker.Network, Is.EqualTo("BRIDGE"));
            Assert.That(app.Container.Docker.Privileged, Is.True);
            Assert.That(app.Container.Docker.ForcePullImage, Is.False);

            // One container, three processes, in this order, and it ends when any of them ends.
            var cmd = app.Cmd!;
            Assert.That(cmd.IndexOf("dockerd --experimental", StringComparison.Ordinal), Is.GreaterThanOrEqualTo(0));
            Assert.That(cmd.IndexOf("Federation.RuntimeModule.dll engine", StringComparison.Ordinal), Is.GreaterThan(cmd.IndexOf("dockerd --experimental", StringComparison.Ordinal)));
            Assert.That(cmd.IndexOf("Federation.RuntimeModule.dll ambassador", StringComparison.Ordinal), Is.GreaterThan(cmd.IndexOf("engine &", StringComparison.Ordinal)));
            Assert.That(cmd, Does.Contain("/opt/federation/dotnet/dotnet"), "modules and .NET from the image by default");
            Assert.That(cmd, Does.Contain("exit 1"), "a process that ends ends the runtime, so Marathon replaces it");

            // Ports: the Engine at index 0, then the app's runtime ports, each on a host port Marathon picks.
            var mappings = app.Container.Docker.PortMappings!;
            Assert.That(mappings.Select(m => m.ContainerPort), Is.EqualTo(new[] { 50051, 8080, 9100 }));
            Assert.That(mappings.Select(m => m.HostPort), Is.All.EqualTo(0));
            Assert.That(mappings.Select(m => m.Name), Is.EqualTo(new[] { "engine", "app-8080", "app-9100" }));
            Assert.That(mappings.Select(m => m.Protocol), Is.All.EqualTo("tcp"));

            // Health: TCP on the Engine port, and on the app's first port for an active workload.
            var checks = app.HealthChecks!;
            Assert.That(checks.Select(c => (c.Protocol, c.PortIndex)), Is.EqualTo(new[] { ("TCP", (int?)0), ("TCP", (int?)1) }));
            Assert.That(checks.All(c => c.GracePeriodSeconds > 0 && c.MaxConsecutiveFailures > 0), Is.True);

            // Labels: what the adapter reads back, and nothing for marathon-lb (the runtime is reached through its relay app).
            Assert.That(app.Labels, Does.ContainKey(MarathonLabels.Runtime).WithValue("true"));
            Assert.That(app.Labels, Does.ContainKey(MarathonLabels.Workload).WithValue("cart"));
            Assert.That(app.Labels, Does.ContainKey(MarathonLabels.Namespace).WithValue("shop"));
            Assert.That(app.Labels, Does.ContainKey(MarathonLabels.Cluster).WithValue("mesos-a"));
            Assert.That(app.Labels, Does.ContainKey(MarathonLabels.Role).WithValue("active"));
            Assert.That(app.Labels, Does.Not.ContainKey(MarathonLabels.MigrationId));
            Assert.That(app.Labels, Does.Not.ContainKey(MarathonLabels.HaproxyGroup));
            Assert.That(AppSpec.Parser.ParseJson(app.Labels![MarathonLabels.AppSpec]), Is.EqualTo(Spec()));

            // docker parameters: the labels on the container too, tmpfs for /run, /tmp and the inner data root.
            var parameters = app.Container.Docker.Parameters!.Select(p => $"{p.Key}={p.Value}").ToList();
            Assert.That(parameters, Does.Contain("label=federation.io/workload=cart"));
            Assert.That(parameters, Does.Contain("label=federation.io/role=active"));
            Assert.That(parameters, Does.Contain("tmpfs=/run"));
            Assert.That(parameters, Does.Contain("tmpfs=/tmp"));
            Assert.That(parameters, Does.Contain("tmpfs=/var/lib/federation:exec,size=16g"));
            Assert.That(parameters.Where(p => p.StartsWith("cap-", StringComparison.Ordinal)), Is.Empty, "privileged needs no capability list");

            // env: the Engine's credential and port, the Ambassador's app and start mode.
            Assert.That(app.Env, Does.ContainKey("FEDERATION_ENGINE_TOKEN").WithValue("secret-credential"));
            Assert.That(app.Env, Does.ContainKey("FEDERATION_ENGINE_PORT").WithValue("50051"));
            Assert.That(app.Env, Does.ContainKey("FEDERATION_STATE_DIR").WithValue("/var/lib/federation"));
            Assert.That(app.Env, Does.ContainKey("FEDERATION_START_MODE").WithValue("active"));
            Assert.That(AppSpec.Parser.ParseJson(app.Env!["FEDERATION_APP_SPEC"]), Is.EqualTo(Spec()));
            Assert.That(app.Env, Does.ContainKey("DOTNET_ROOT").WithValue("/opt/federation/dotnet"));

            // Placement and replacement.
            Assert.That(app.Constraints, Is.EqualTo(new List<List<string>> { new() { "hostname", "LIKE", "agent-.*" }, new() { "hostname", "UNIQUE" } }));
            Assert.That(app.AcceptedResourceRoles, Is.EqualTo(new[] { "federation", "*" }));
            Assert.That(app.UpgradeStrategy!.MinimumHealthCapacity, Is.EqualTo(0));
            Assert.That(app.UpgradeStrategy.MaximumOverCapacity, Is.EqualTo(0), "never two runtimes of one app");
            Assert.That(app.Container.Volumes, Is.Null, "privileged: Docker mounts /sys/fs/cgroup itself; modules are in the image");
        });
    }

    [Test]
    public void A_passive_target_waits_for_its_restore_names_its_migration_and_home_and_is_checked_on_its_Engine_only()
    {
        var role = new RuntimeAppRole(false, "mig-42", new StableHome("kube-b", "10.0.0.7:8080"));
        var app = new RuntimeAppBuilder(Options()).Build("/federation/runtimes/shop/cart-99999999", Id, Spec(), role, "c");
        Assert.Multiple(() =>
        {
            Assert.That(app.Labels, Does.ContainKey(MarathonLabels.Role).WithValue("passive-target"));
            Assert.That(app.Labels, Does.ContainKey(MarathonLabels.MigrationId).WithValue("mig-42"));
            Assert.That(app.Labels, Does.ContainKey(MarathonLabels.HomeCluster).WithValue("kube-b"));
            Assert.That(app.Labels, Does.ContainKey(MarathonLabels.HomeAddress).WithValue("10.0.0.7:8080"));
            Assert.That(app.Env, Does.ContainKey("FEDERATION_START_MODE").WithValue("passive"));
            Assert.That(app.HealthChecks!.Select(c => c.PortIndex), Is.EqualTo(new int?[] { 0 }), "its app does not serve before the restore");
            Assert.That(app.Container!.Docker!.Parameters!.Select(p => $"{p.Key}={p.Value}"), Does.Contain("label=federation.io/migration-id=mig-42"));
        });
    }

    [Test]
    public void Without_privileged_the_capability_set_that_works_here_goes_in_docker_parameters_and_host_modules_are_mounted_read_only()
    {
        var app = new RuntimeAppBuilder(Options(privileged: false, moduleHostPath: "/srv/federation/modules")).Build(AppId, Id, Spec(), RuntimeAppRole.Serving, "c");
        var parameters = app.Container!.Docker!.Parameters!.Select(p => $"{p.Key}={p.Value}").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(app.Container.Docker.Privileged, Is.False);
            Assert.That(parameters, Is.SupersetOf(new[]
            {
                "cap-add=ALL", "cap-drop=SYS_RESOURCE", "security-opt=seccomp=unconfined", "security-opt=apparmor=unconfined",
                "security-opt=systempaths=unconfined", "device-cgroup-rule=a *:* rwm",
            }));
            Assert.That(app.Container.Volumes!.Select(v => (v.ContainerPath, v.HostPath, v.Mode)), Is.EqualTo(new[]
            {
                ("/sys/fs/cgroup", (string?)"/sys/fs/cgroup", "RW"),
                ("/opt/federation/runtime", "/srv/federation/modules", "RO"),
                ("/usr/share/dotnet", "/usr/share/dotnet", "RO"),
            }));
            Assert.That(app.Cmd, Does.Contain("/usr/share/dotnet/dotnet"));
            Assert.That(app.Env, Does.ContainKey("DOTNET_ROOT").WithValue("/usr/share/dotnet"));
        });
    }

    [Test]
    public void Every_member_the_adapter_sends_is_a_member_of_the_documented_app_definition()
    {
        var app = new RuntimeAppBuilder(Options(privileged: false, moduleHostPath: "/m")).Build(AppId, Id, Spec(), RuntimeAppRole.Serving, "c");
        var sent = JsonNode.Parse(JsonSerializer.Serialize(app.AsDefinition(), MarathonJson.Options))!;
        var documented = Fixtures.Json("app.json");
        var unknown = new List<string>();
        Compare(sent, documented, "", unknown);
        Assert.That(unknown, Is.Empty, "members that the documented app definition does not have");
    }

    [Test]
    public void The_app_as_sent_leaves_out_what_Marathon_adds_to_its_answers()
    {
        var app = JsonSerializer.Deserialize<MarathonApp>(Fixtures.Text("app.json"), MarathonJson.Options)!;
        app.Tasks = [new MarathonTask { Id = "t" }];
        app.TasksRunning = 1;
        app.Version = "2015-01-01";
        var sent = JsonNode.Parse(JsonSerializer.Serialize(app.AsDefinition(), MarathonJson.Options))!.AsObject();
        Assert.That(sent.Select(p => p.Key), Has.None.AnyOf("tasks", "tasksRunning", "version", "deployments", "lastTaskFailure"));
        Assert.That(sent["id"]!.GetValue<string>(), Is.EqualTo("/foo"));
    }

    /// <summary>Members of <paramref name="sent"/> whose path the fixture lacks ("labels" and "env" are maps: their keys are free).</summary>
    private static void Compare(JsonNode? sent, JsonNode? documented, string path, List<string> unknown)
    {
        switch (sent)
        {
            case JsonObject obj when path.EndsWith("/labels", StringComparison.Ordinal) || path == "/env":
                return;
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    var other = (documented as JsonObject)?[key];
                    if (documented is not JsonObject d || !d.ContainsKey(key)) unknown.Add($"{path}/{key}");
                    else Compare(value, other, $"{path}/{key}", unknown);
                }
                return;
            case JsonArray array:
                var documentedArray = documented as JsonArray;
                foreach (var item in array)
                {
                    // The fixture's first element of the same kind stands for all of them (constraints are arrays of strings).
                    Compare(item, documentedArray?.FirstOrDefault(), $"{path}[]", unknown);
                }
                return;
        }
    }
}
