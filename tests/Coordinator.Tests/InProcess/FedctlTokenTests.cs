using Federation.Cli;
using Federation.Cli.Auth;
using Federation.Common.Auth;
using Federation.Coordinator.Tests.Support;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// fedctl presents the operator token from --token-file, else $FEDCTL_TOKEN, else the cluster entry's token-file; without
/// one, or with a wrong one, the coordinator's refusal is one line saying what fedctl sent, and exit code 8.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class FedctlTokenTests
{
    private readonly FakeAdapter adapter = new();
    private CoordinatorNode node = null!;
    private string directory = "";
    private string? environmentBefore;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-fedctl-token-").FullName;
        node = new CoordinatorNode("a", FreePort.Next(), directory, ["--Coordinator:Adapter:Kind=fake", "--Logging:LogLevel:Default=Warning"], adapter.Module);
        await node.StartAsync();
        adapter.Add(new Adapters.WorkloadId("default", "shop"), new Uri("http://127.0.0.1:1"));
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await node.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    // The developer's own FEDCTL_TOKEN must not decide these tests.
    [SetUp]
    public void ClearEnvironment()
    {
        environmentBefore = Environment.GetEnvironmentVariable(OperatorToken.EnvironmentVariable);
        Environment.SetEnvironmentVariable(OperatorToken.EnvironmentVariable, null);
    }

    [TearDown]
    public void RestoreEnvironment() => Environment.SetEnvironmentVariable(OperatorToken.EnvironmentVariable, environmentBefore);

    [Test]
    public async Task With_the_token_file_of_the_config_it_works()
    {
        var (code, output, error) = await Fedctl.RunAsync(Fedctl.WriteConfig(directory, "a", node), "workloads");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        Assert.That(output, Does.Contain("default/shop"));
    }

    [Test]
    public async Task Without_a_token_it_is_one_line_and_exit_code_8()
    {
        var (code, output, error) = await Fedctl.RunAsync(Fedctl.WriteConfig(directory, "a", ("a", node.Address)), "workloads");
        AssertOneLine(code, error, "the call carries no operator token", "fedctl sent no token; set token-file for cluster 'a' in the config, --token-file or $FEDCTL_TOKEN");
        Assert.That(output, Is.Empty);
    }

    [Test]
    public async Task With_a_wrong_token_it_is_one_line_and_exit_code_8()
    {
        var wrong = Path.Combine(directory, "wrong-token");
        await File.WriteAllTextAsync(wrong, BearerToken.New());
        var (code, _, error) = await Fedctl.RunAsync(Fedctl.WriteConfig(directory, "a", ("a", node.Address, wrong)), "migrate", "default/shop", "--to", "b");
        AssertOneLine(code, error, "the operator token given is wrong", $"fedctl sent the token from token-file '{wrong}' of cluster 'a'");
    }

    [Test]
    public async Task The_token_file_option_goes_before_the_config()
    {
        var wrong = Path.Combine(directory, "wrong-token-2");
        await File.WriteAllTextAsync(wrong, BearerToken.New());
        var config = Fedctl.WriteConfig(directory, "a", ("a", node.Address, wrong));
        var (code, _, error) = await Fedctl.RunAsync(config, "--token-file", node.OperatorTokenPath, "workloads");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
    }

    [Test]
    public async Task The_environment_variable_goes_before_the_config()
    {
        Environment.SetEnvironmentVariable(OperatorToken.EnvironmentVariable, node.OperatorToken);
        var (code, _, error) = await Fedctl.RunAsync(Fedctl.WriteConfig(directory, "a", ("a", node.Address)), "workloads");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
    }

    [Test]
    public async Task A_missing_token_file_is_a_config_error()
    {
        var missing = Path.Combine(directory, "no-such-token");
        var (code, _, error) = await Fedctl.RunAsync(Fedctl.WriteConfig(directory, "a", ("a", node.Address, missing)), "workloads");
        Assert.That(code, Is.EqualTo(ExitCodes.Config), error);
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(error, Does.Contain($"token-file '{missing}' of cluster 'a' does not exist"));
    }

    private static void AssertOneLine(int code, string error, string mentions, string alsoMentions) => Assert.Multiple(() =>
    {
        Assert.That(code, Is.EqualTo(ExitCodes.NotAuthorized), error);
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line");
        Assert.That(error, Does.StartWith("fedctl: ").And.Contain(mentions).And.Contain(alsoMentions));
        Assert.That(error, Does.Not.Contain(" at Federation."), "no stack trace");
    });
}
