using Federation.Adapters;
using Federation.Adapters.Mesos;
using Microsoft.Extensions.Options;

namespace Federation.Mesos.Tests;

/// <summary>The settings are checked at start when the kind is "marathon", one line per mistake.</summary>
[TestFixture]
public sealed class MarathonSettingsTests
{
    private static MarathonSettings Good() => new()
    {
        MarathonUrl = "http://127.0.0.1:8080",
        RuntimeImage = "federation/runtime:1",
    };

    [Test]
    public void Good_settings_pass()
    {
        Assert.That(MarathonSettingsValidator.Problems(Good()), Is.Empty);
    }

    [Test]
    public void Another_kind_skips_the_check()
    {
        var result = new MarathonSettingsValidator(new ClusterContext("a", "/tmp", "docker")).Validate(null, new MarathonSettings());
        Assert.That(result.Skipped, Is.True);
    }

    [Test]
    public void Each_mistake_is_one_line_naming_its_switch()
    {
        var settings = new MarathonSettings
        {
            MarathonUrl = "ftp://marathon",
            RuntimeImage = "",
            Username = "ops",
            TokenFile = "/nonexistent/token",
            AppGroup = "Federation/",
            Constraints = "hostname:LIKE;rack:NEAR:r1;hostname:UNIQUE",
            ServicePortRange = "20000-10000",
            LoadBalancerHost = "bad host",
            MaxWorkloads = -1,
            DeploymentTimeout = TimeSpan.Zero,
            ImageSource = "carrier-pigeon",
        };
        var problems = MarathonSettingsValidator.Problems(settings);
        Assert.Multiple(() =>
        {
            Assert.That(problems, Has.Some.Contains("--marathon-url 'ftp://marathon' is not an http:// or https:// URL"));
            Assert.That(problems, Has.Some.Contains("--runtime-image is required"));
            Assert.That(problems, Has.Some.Contains("--marathon-token-file excludes --marathon-user"));
            Assert.That(problems, Has.Some.Contains("--marathon-user and --marathon-password-file go together"));
            Assert.That(problems, Has.Some.Contains("--marathon-token-file /nonexistent/token"));
            Assert.That(problems, Has.Some.Contains("--marathon-group 'Federation/'"));
            Assert.That(problems, Has.Some.Contains("constraint 'hostname:LIKE' needs a value after LIKE"));
            Assert.That(problems, Has.Some.Contains("constraint 'rack:NEAR:r1' is not field:OPERATOR[:value]"));
            Assert.That(problems, Has.None.Contains("hostname:UNIQUE"));
            Assert.That(problems, Has.Some.Contains("service port range '20000-10000'"));
            Assert.That(problems, Has.Some.Contains("--marathon-lb-host 'bad host'"));
            Assert.That(problems, Has.Some.Contains("--max-workloads must not be negative"));
            Assert.That(problems, Has.Some.Contains("--deployment-timeout must be above zero"));
            Assert.That(problems, Has.Some.Contains("--image-source 'carrier-pigeon'"));
            Assert.That(problems, Has.All.Not.Contains("\n"));
        });
    }

    [Test]
    public void The_validator_fails_start_with_all_lines()
    {
        var result = new MarathonSettingsValidator(new ClusterContext("a", "/tmp", "marathon")).Validate(null, new MarathonSettings());
        Assert.That(result.Failed, Is.True);
        Assert.That(result.Failures, Has.Some.Contains("--marathon-url is required").And.Some.Contains("--runtime-image is required"));
    }

    [Test]
    public void Constraints_and_roles_become_what_Marathon_takes()
    {
        var problems = new List<string>();
        Assert.That(PlacementRules.Constraints("hostname:LIKE:agent-.*; rack_id:GROUP_BY ;hostname:unique", problems),
            Is.EqualTo(new List<List<string>> { new() { "hostname", "LIKE", "agent-.*" }, new() { "rack_id", "GROUP_BY" }, new() { "hostname", "UNIQUE" } }));
        Assert.That(problems, Is.Empty);
        Assert.That(PlacementRules.Roles(" federation , * "), Is.EqualTo(new[] { "federation", "*" }));
        Assert.That(PlacementRules.Roles(""), Is.Null);
        Assert.That(PlacementRules.ServicePorts("10000-10010", problems), Is.EqualTo((10000, 10010)));
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Basic_credentials_and_a_token_become_the_Authorization_header()
    {
        var directory = Directory.CreateTempSubdirectory("fedtest-madapter-").FullName;
        try
        {
            var password = Path.Combine(directory, "password");
            File.WriteAllText(password, "s3cret\n");
            File.SetUnixFileMode(password, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var basic = MarathonAdapterRegistration.HttpClientFor(new MarathonSettings { MarathonUrl = "http://127.0.0.1:8080", Username = "ops", PasswordFile = password });
            Assert.That(basic.DefaultRequestHeaders.Authorization!.ToString(), Is.EqualTo($"Basic {Convert.ToBase64String("ops:s3cret"u8.ToArray())}"));
            Assert.That(basic.BaseAddress, Is.EqualTo(new Uri("http://127.0.0.1:8080/")));

            var token = Path.Combine(directory, "token");
            File.WriteAllText(token, "eyJhbGciOi");
            File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var dcos = MarathonAdapterRegistration.HttpClientFor(new MarathonSettings { MarathonUrl = "https://master/service/marathon", TokenFile = token });
            Assert.That(dcos.DefaultRequestHeaders.GetValues("Authorization").Single(), Is.EqualTo("token=eyJhbGciOi"));
            Assert.That(dcos.BaseAddress, Is.EqualTo(new Uri("https://master/service/marathon/")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
