using Federation.Cli;
using Federation.Common;
using Federation.V1;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>fedctl deploy -f: the workload file (YAML) read into a spec; unknown fields and bad values refused with one line and its line number.</summary>
[TestFixture]
public sealed class WorkloadFileTests
{
    private const string TwoContainers = """
        apiVersion: federation/v1
        kind: Workload
        metadata:
          name: shop
          namespace: team
        spec:
          ports:
            - containerPort: 7000
          containers:
            - name: store
              image: federation/testapp:1
              env:
                MODE: store
                PORT: "7001"
              volumes:
                - name: data
                  mountPath: /data
            - name: web
              image: federation/testapp:1
              command: [/app/testapp]
              env: { MODE: web }
        """;

    [Test]
    public void A_file_of_two_containers_becomes_a_workload_of_several()
    {
        var (reference, spec) = WorkloadFile.Parse(TwoContainers, "shop.yaml");
        Assert.Multiple(() =>
        {
            Assert.That(reference.Namespace, Is.EqualTo("team"));
            Assert.That(reference.Name, Is.EqualTo("shop"));
            Assert.That(spec.Name, Is.EqualTo("shop"));
            Assert.That(spec.Image, Is.Empty);
            Assert.That(spec.Ports.Single().ContainerPort, Is.EqualTo(7000));
            Assert.That(spec.Containers.Select(c => c.Name), Is.EqualTo(new[] { "store", "web" }));
            Assert.That(spec.Containers[0].Env["PORT"], Is.EqualTo("7001"));
            Assert.That(spec.Containers[0].Volumes.Single().ContainerPath, Is.EqualTo("/data"));
            Assert.That(spec.Containers[1].Command, Is.EqualTo(new[] { "/app/testapp" }));
            Assert.That(spec.Containers[1].Env["MODE"], Is.EqualTo("web"));
        });
    }

    [Test]
    public void A_file_of_one_container_is_todays_single_container_app_in_namespace_default()
    {
        var (reference, spec) = WorkloadFile.Parse("""
            metadata: { name: counter }
            spec:
              containers:
                - { name: app, image: "federation/testapp:1", env: { MIB: "16" } }
            """, "one.yaml");
        Assert.Multiple(() =>
        {
            Assert.That(reference.Namespace, Is.EqualTo("default"));
            Assert.That(spec.Containers, Is.Empty);
            Assert.That(spec.Name, Is.EqualTo("counter"));
            Assert.That(spec.Image, Is.EqualTo("federation/testapp:1"));
            Assert.That(spec.Env["MIB"], Is.EqualTo("16"));
        });
    }

    [Test]
    public void A_volume_says_whether_it_is_shared_storage()
    {
        var (_, spec) = WorkloadFile.Parse("""
            metadata: { name: files }
            spec:
              containers:
                - name: app
                  image: "federation/testapp:1"
                  volumes:
                    - { name: common, mountPath: /shared, shared: true }
                    - { name: own, mountPath: /own }
            """, "files.yaml");
        Assert.That(spec.Volumes.Select(v => (v.Name, v.Shared)), Is.EqualTo(new[] { ("common", true), ("own", false) }));
        Assert.That(AppSpecContainers.SharedVolumes(spec), Is.EqualTo(new[] { "common" }));
    }

    private static IEnumerable<TestCaseData> Bad()
    {
        yield return Case(TwoContainers.Replace("mountPath: /data", "mountPath: /data\n          shared: maybe"),
            "spec.containers[0].volumes[0].shared 'maybe' is not true or false", "a shared flag that is no boolean");
        yield return Case(TwoContainers.Replace("      env: { MODE: web }", "      env: { MODE: web }\n      restartPolicy: Always"),
            "shop.yaml:22: unknown field 'restartPolicy' in spec.containers[1]", "an unknown container field");
        yield return Case(TwoContainers.Replace("  namespace: team", "  namespace: team\n  labels: {}"), "shop.yaml:6: unknown field 'labels' in metadata", "an unknown metadata field");
        yield return Case(TwoContainers.Replace("containerPort: 7000", "containerPort: 70000"),
            "shop.yaml:8: spec.ports[0].containerPort '70000' is not a number from 1 to 65535", "a port out of range");
        yield return Case(TwoContainers.Replace("containerPort: 7000", "containerPort: web"),
            "shop.yaml:8: spec.ports[0].containerPort 'web' is not a number from 1 to 65535", "a port that is no number");
        yield return Case(TwoContainers.Replace("- name: web", "- name: store"), "shop.yaml: container name 'store' is used twice", "duplicate container names");
        yield return Case(TwoContainers.Replace("- name: web", "- name: Web_1"), "shop.yaml:18: spec.containers[1].name 'Web_1' is not a DNS label", "a bad container name");
        yield return Case(TwoContainers.Replace("kind: Workload", "kind: Pod"), "shop.yaml:2: kind must be Workload", "another kind");
        yield return Case(TwoContainers.Replace("  name: shop\n", ""), "field 'name' is missing", "no name");
        yield return Case(TwoContainers.Replace("mountPath: /data", "mountPath: data"), "shop.yaml:17: spec.containers[0].volumes[0].mountPath 'data' is not an absolute path", "a relative mount path");
        yield return Case(TwoContainers.Replace("      env: { MODE: web }", "      env: [MODE]"), "shop.yaml:21: spec.containers[1].env must be a mapping of NAME: VALUE", "env as a list");
        yield return Case("spec: [", "shop.yaml:2: not valid YAML", "not YAML");
        yield return Case("metadata: { name: x }\nspec:\n  containers: []\n", "shop.yaml:3: spec.containers is empty", "no container");
        yield return Case(TwoContainers.Replace("- name: web\n      image: federation/testapp:1\n", "- name: web\n"),
            "shop.yaml:18: field 'image' is missing", "a container without an image");
    }

    [TestCaseSource(nameof(Bad))]
    public void A_bad_file_is_refused_with_one_line(string yaml, string expected)
    {
        var e = Assert.Throws<CliException>(() => WorkloadFile.Parse(yaml, "shop.yaml"))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.ExitCode, Is.EqualTo(ExitCodes.Usage));
            Assert.That(e.Message, Does.Contain(expected));
            Assert.That(e.Message, Does.Not.Contain("\n"));
        });
    }

    [Test]
    public void A_missing_file_is_one_line()
    {
        var e = Assert.Throws<CliException>(() => WorkloadFile.Load("/nonexistent/federation/shop.yaml"))!;
        Assert.That(e.Message, Does.StartWith("/nonexistent/federation/shop.yaml: cannot read the workload file"));
    }

    private static TestCaseData Case(string yaml, string expected, string name) => new TestCaseData(yaml, expected).SetName(name);
}
