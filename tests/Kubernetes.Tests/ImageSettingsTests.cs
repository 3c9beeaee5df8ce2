using Federation.Adapters;
using Federation.Adapters.Kubernetes;
using Federation.Adapters.Kubernetes.Images;
using Federation.Coordinator.Hosting;
using Federation.Testing;

namespace Federation.Kubernetes.Tests;

/// <summary>The adapter's image source and registry settings are checked at start: each mistake is one line naming its switch.</summary>
[TestFixture]
public sealed class ImageSettingsTests
{
    private string directory = null!;
    private string kubeconfig = null!;

    [SetUp]
    public void CreateFiles()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-kpull-settings-").FullName;
        kubeconfig = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(kubeconfig, "apiVersion: v1\nkind: Config\n");
    }

    [TearDown]
    public void RemoveFiles() => Directory.Delete(directory, recursive: true);

    private KubernetesSettings Settings() => new() { RuntimeImage = "registry.test/federation/runtime:1", Kubeconfig = kubeconfig };

    private static IReadOnlyList<string> Failures(KubernetesSettings settings)
    {
        var result = new KubernetesSettingsValidator(KubeFlavor.Kubernetes, new ClusterContext("a", "/tmp", KubernetesAdapterRegistration.Kind))
            .Validate(KubernetesAdapterRegistration.Kind, settings);
        return result.Succeeded ? [] : result.Failures!.ToList();
    }

    [Test]
    public void The_registry_is_the_default_source_and_a_docker_socket_makes_it_docker_socket()
    {
        Assert.That(Settings().ParsedImageSource(), Is.EqualTo(KubeImageSource.Registry));
        Assert.That(Failures(Settings()), Is.Empty, "anonymous pulls trusting the runtime's roots need nothing more");
        var socket = Path.Combine(directory, "docker.sock");
        File.WriteAllText(socket, "");
        var settings = Settings();
        settings.ImageDockerSocket = $"unix://{socket}";
        Assert.That(settings.ParsedImageSource(), Is.EqualTo(KubeImageSource.DockerSocket), "--image-docker-socket alone keeps working");
        Assert.That(settings.ImageDockerSocketPath(), Is.EqualTo(socket));
        Assert.That(Failures(settings), Is.Empty);
        settings.ImageSource = "Docker-Socket";
        Assert.That(settings.ParsedImageSource(), Is.EqualTo(KubeImageSource.DockerSocket));
    }

    [Test]
    public void A_registry_with_its_CA_and_credentials_is_accepted_and_read()
    {
        using var pki = new TestCertificates(directory);
        var authority = pki.CreateAuthority("fedtest-registry-ca");
        var credentials = Path.Combine(directory, "credentials");
        File.WriteAllText(credentials, "fedtest:fedtest-password\n");
        var settings = Settings();
        settings.ImageSource = "registry";
        settings.Registry = "registry.test:5000";
        settings.RegistryCaFile = authority.Certificate;
        settings.RegistryCredentialsFile = credentials;

        Assert.That(Failures(settings), Is.Empty);
        var pulls = settings.ToRegistryPulls();
        Assert.That(pulls.Registry, Is.EqualTo("registry.test:5000"));
        Assert.That(pulls.CaPem, Is.EqualTo(File.ReadAllText(authority.Certificate)));
        Assert.That(pulls.Credentials?.Username, Is.EqualTo("fedtest"));
        Assert.That(pulls.Credentials?.Password, Is.EqualTo("fedtest-password"), "the file's trailing newline is not part of it");
    }

    [TestCase("ImageSource", "bogus", "--image-source 'bogus' is neither 'registry' nor 'docker-socket'")]
    [TestCase("ImageSource", "host", "--image-source 'host' is neither 'registry' nor 'docker-socket'")]
    [TestCase("Registry", "not a host/x", "adapter registry 'not a host/x' is not a host[:port] (--registry)")]
    [TestCase("Registry", "registry.test:5000/team", "adapter registry 'registry.test:5000/team' is not a host[:port] (--registry)")]
    [TestCase("RegistryCaFile", "/nonexistent/fedtest-ca.crt", "adapter registry CA file /nonexistent/fedtest-ca.crt cannot be used (--registry-ca): ")]
    [TestCase("RegistryCredentialsFile", "/nonexistent/fedtest-credentials", "adapter registry credentials file /nonexistent/fedtest-credentials does not exist (--registry-credentials)")]
    [TestCase("RegistryPullTimeout", "0", "adapter registry pull timeout must be above zero and at most an hour (--registry-pull-timeout)")]
    [TestCase("ImageSourceWithoutSocket", "docker-socket", "--image-source docker-socket needs --image-docker-socket")]
    [TestCase("SocketWithRegistry", "/var/run/docker.sock", "--image-docker-socket goes with --image-source docker-socket, not registry")]
    [TestCase("ImageDockerSocket", "tcp://127.0.0.1:2375", "--image-docker-socket 'tcp://127.0.0.1:2375' is not unix:///path or an absolute path")]
    [TestCase("ImageDockerSocket", "unix:///nonexistent/fedtest-docker.sock", "--image-docker-socket /nonexistent/fedtest-docker.sock does not exist")]
    public void A_mistake_is_one_line_naming_its_switch(string setting, string value, string expected)
    {
        var settings = Settings();
        switch (setting)
        {
            case "ImageSource": settings.ImageSource = value; break;
            case "Registry": settings.Registry = value; break;
            case "RegistryCaFile": settings.RegistryCaFile = value; break;
            case "RegistryCredentialsFile": settings.RegistryCredentialsFile = value; break;
            case "RegistryPullTimeout": settings.RegistryPullTimeout = TimeSpan.Zero; break;
            case "ImageSourceWithoutSocket": settings.ImageSource = value; break;
            case "SocketWithRegistry": settings.ImageSource = "registry"; settings.ImageDockerSocket = value; break;
            case "ImageDockerSocket": settings.ImageDockerSocket = value; break;
            default: Assert.Fail($"unknown setting {setting}"); break;
        }

        var failures = Failures(settings);

        TestContext.Out.WriteLine(string.Join(Environment.NewLine, failures));
        Assert.That(failures, Has.Count.EqualTo(1));
        Assert.That(failures[0], Does.StartWith(expected).And.Not.Contain("\n"));
    }

    [Test]
    public void A_bad_CA_file_says_it_holds_no_certificate()
    {
        var ca = Path.Combine(directory, "ca.crt");
        File.WriteAllText(ca, "not a certificate\n");
        var settings = Settings();
        settings.RegistryCaFile = ca;
        Assert.That(Failures(settings), Is.EqualTo(new[] { $"adapter registry CA file {ca} holds no PEM certificate (--registry-ca)" }));
    }

    [Test]
    public async Task The_coordinator_refuses_to_start_with_one_line_per_mistake_from_its_switches()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var error = new StringWriter();
        var code = await CoordinatorMain.RunAsync(["--cluster", "a", "--port", "0", "--journal", Path.Combine(directory, "a.db"), "--adapter", "kubernetes",
            "--kubeconfig", kubeconfig, "--runtime-image", "registry.test/federation/runtime:1",
            "--image-source", "registry", "--registry", "bad_host!", "--registry-ca", "/nonexistent/fedtest-ca.crt", "--registry-credentials", "/nonexistent/fedtest-credentials",
            "--registry-pull-timeout", "02:00:00"],
            [KubernetesAdapterRegistration.Module], error, timeout.Token);

        TestContext.Out.WriteLine(error.ToString());
        Assert.That(code, Is.EqualTo(CoordinatorMain.InvalidConfiguration));
        var line = error.ToString().TrimEnd('\n');
        Assert.That(line, Does.Not.Contain("\n"));
        Assert.That(line, Does.StartWith("federation-coordinator: invalid configuration: "));
        Assert.That(line, Does.Contain("adapter registry 'bad_host!' is not a host[:port] (--registry)"));
        Assert.That(line, Does.Contain("adapter registry CA file /nonexistent/fedtest-ca.crt cannot be used (--registry-ca)"));
        Assert.That(line, Does.Contain("adapter registry credentials file /nonexistent/fedtest-credentials does not exist (--registry-credentials)"));
        Assert.That(line, Does.Contain("adapter registry pull timeout must be above zero and at most an hour (--registry-pull-timeout)"));
    }
}
