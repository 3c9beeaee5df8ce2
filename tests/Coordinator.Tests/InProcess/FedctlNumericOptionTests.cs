using System.CommandLine;
using Federation.Cli;
using Federation.Coordinator.Tests.Support;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// Issue 8, item 11: a numeric option of fedctl given a value that overflows, is negative or is not a number is a
/// one-line usage error (exit 2), never an unhandled exception with a stack trace. Nothing here reaches a
/// coordinator: the config names an address nobody listens on, so a value that wrongly got through ends in exit 4.
/// </summary>
[TestFixture]
public sealed class FedctlNumericOptionTests
{
    private string directory = "";
    private string config = "";

    [OneTimeSetUp]
    public void WriteConfig()
    {
        directory = Directory.CreateTempSubdirectory("fedctl-numbers-").FullName;
        config = Fedctl.WriteConfig(directory, "a", ("a", $"http://127.0.0.1:{FreePort.Next()}"), ("b", $"http://127.0.0.1:{FreePort.Next()}"));
    }

    [OneTimeTearDown]
    public void RemoveConfig() => Directory.Delete(directory, recursive: true);

    [TestCase("99999999999", "out of range")]
    [TestCase("4294967296", "out of range")]
    [TestCase("-1", "out of range")]
    [TestCase("-99999999999", "out of range")]
    [TestCase("abc", "not a whole number")]
    [TestCase("1e3", "not a whole number")]
    [TestCase("0x10", "not a whole number")]
    [TestCase("2.5", "not a whole number")]
    [TestCase("", "not a whole number")]
    public async Task Migrate_precopy_rounds_out_of_range_or_garbage_is_a_usage_error(string value, string says)
    {
        var (code, output, error) = await Fedctl.RunAsync(config, "migrate", "default/x", "--to", "b", "--precopy-rounds", value);
        AssertUsageError(code, output, error, "--precopy-rounds", says);
    }

    [TestCase("99999999999", "out of range")]
    [TestCase("65536", "out of range")]
    [TestCase("0", "out of range")]
    [TestCase("-1", "out of range")]
    [TestCase("abc", "not a whole number")]
    [TestCase("80x", "not a whole number")]
    public async Task Deploy_port_out_of_range_or_garbage_is_a_usage_error(string value, string says)
    {
        var (code, output, error) = await Fedctl.RunAsync(config, "deploy", "default/x", "--image", "app:1", "--port", value);
        AssertUsageError(code, output, error, "--port", says);
        (code, output, error) = await Fedctl.RunAsync(config, "deploy", "default/x", "--image", "app:1", "-p", "8080", value);
        AssertUsageError(code, output, error, "--port", says);
    }

    [TestCase("migrate", "default/x", "--to", "b", "--precopy-rounds", "0")]
    [TestCase("migrate", "default/x", "--to", "b", "--precopy-rounds", "4294967295")]
    [TestCase("deploy", "default/x", "--image", "app:1", "--port", "1", "-p", "65535")]
    public async Task Values_in_range_get_as_far_as_the_coordinator(params string[] args)
    {
        var (code, _, error) = await Fedctl.RunAsync(config, args);
        Assert.That(code, Is.EqualTo(ExitCodes.Unreachable), error);
        Assert.That(error, Does.Contain("cannot reach the coordinator"));
    }

    /// <summary>Every option or argument of every command whose value is a number refuses the usual bad values in one line.</summary>
    [Test]
    public async Task Every_numeric_option_of_every_command_refuses_bad_values_in_one_line()
    {
        var root = FedctlApp.Build(new GlobalOptions(), new CliConsole(TextWriter.Null, TextWriter.Null, IsTerminal: false));
        var numeric = Numeric(root, []).ToList();
        Assert.That(numeric.Select(n => n.Option.Name), Is.SupersetOf(new[] { "--precopy-rounds", "--port" }), "the walk finds the known numeric options");
        foreach (var (path, command, option) in numeric)
        {
            foreach (var value in new[] { "99999999999999999999999", "-99999999999", "-1", "abc", "1e3" })
            {
                var args = path.Concat(RequiredInput(command, option)).Concat([option.Name, value]).ToArray();
                var (code, output, error) = await Fedctl.RunAsync(config, args);
                AssertUsageError(code, output, error, option.Name, "");
            }
        }
    }

    private static void AssertUsageError(int code, string output, string error, string option, string says) =>
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Usage), error);
            Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line: " + error);
            Assert.That(error, Does.StartWith("fedctl: ").And.Contain(option).And.Contain(says));
            Assert.That(error, Does.Not.Contain("   at ").And.Not.Contain("Exception"), "no stack trace");
            Assert.That(output, Is.Empty);
        });

    private static readonly HashSet<Type> NumberTypes =
    [
        typeof(byte), typeof(sbyte), typeof(short), typeof(ushort), typeof(int), typeof(uint), typeof(long), typeof(ulong),
        typeof(float), typeof(double), typeof(decimal), typeof(TimeSpan),
    ];

    private static bool IsNumber(Type type)
    {
        if (type.IsArray) type = type.GetElementType()!;
        else if (type.IsGenericType && type.GetGenericTypeDefinition() != typeof(Nullable<>) && type.GetGenericArguments() is [var element]) type = element;
        return NumberTypes.Contains(Nullable.GetUnderlyingType(type) ?? type);
    }

    private static IEnumerable<(string[] Path, Command Command, Option Option)> Numeric(Command command, string[] path)
    {
        foreach (var option in command.Options.Where(o => IsNumber(o.ValueType))) yield return (path, command, option);
        Assert.That(command.Arguments.Where(a => IsNumber(a.ValueType)), Is.Empty, $"numeric arguments of '{command.Name}' need a case here");
        foreach (var sub in command.Subcommands)
            foreach (var found in Numeric(sub, [.. path, sub.Name])) yield return found;
    }

    /// <summary>What the command needs besides the option under test: its arguments and its other required options.</summary>
    private static IEnumerable<string> RequiredInput(Command command, Option tested)
    {
        foreach (var option in command.Options.Where(o => o.Required && o != tested)) yield return option.Name == "--image" ? "--image=app:1" : $"{option.Name}=b";
        foreach (var argument in command.Arguments.Where(a => a.Arity.MinimumNumberOfValues > 0)) yield return "default/x";
    }
}
