using System.Collections.Concurrent;
using Federation.Adapters;
using Federation.Cli;
using Federation.Common;
using Federation.Coordinator.Tests.Support;
using Federation.V1;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>
/// Issue 8, item 12: user text echoed into an error (a gRPC status detail, a log line of the refusal, fedctl's own
/// messages and its printing of what the server says) carries no control character: each one shows as an escape
/// (ESC as \x1b) and the message stays on one line.
/// </summary>
[TestFixture]
public sealed class ControlCharacterTests
{
    private const char Esc = '\u001b';
    private const string Red = "\u001b[31m";
    private readonly FakeAdapter adapter = new();
    private readonly CapturingLoggerProvider logs = new();
    private CoordinatorNode node = null!;
    private string directory = "";
    private string config = "";

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        directory = Directory.CreateTempSubdirectory("fedtest-ctrl-").FullName;
        int port = FreePort.Next(), peer = FreePort.Next();
        node = new CoordinatorNode("a", port, directory,
            ["--Coordinator:Adapter:Kind=fake", $"--Coordinator:Peers:b=http://127.0.0.1:{peer}", "--Logging:LogLevel:Default=Information"], adapter.Module);
        await node.StartAsync();
        node.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        adapter.Add(new WorkloadId("default", "x"), new Uri("http://127.0.0.1:9"));
        config = Fedctl.WriteConfig(directory, "a", node);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await node.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    // ---- OneLine, the one place every gRPC status detail of the servers goes through ----

    [Test]
    public void OneLine_shows_ESC_as_an_escape()
    {
        var line = ErrorMappingInterceptor.OneLine($"unknown destination cluster 'b{Red}x'");
        Assert.That(line, Is.EqualTo(@"unknown destination cluster 'b\x1b[31mx'"));
    }

    [Test]
    public void OneLine_escapes_every_C0_DEL_and_C1_character()
    {
        var controls = Enumerable.Range(0, 0x20).Concat([0x7f]).Concat(Enumerable.Range(0x80, 0x20)).Select(c => (char)c).ToArray();
        var line = ErrorMappingInterceptor.OneLine("<" + new string(controls) + ">");
        Assert.Multiple(() =>
        {
            Assert.That(line.Where(char.IsControl), Is.Empty, line);
            Assert.That(line, Does.Contain(@"\x00").And.Contain(@"\x1b").And.Contain(@"\x7f").And.Contain(@"\x85").And.Contain(@"\x9b").And.Contain(@"\x9f"));
            Assert.That(line, Does.Contain(@"\t").And.Contain(@"\n").And.Contain(@"\r"), "tab and line breaks are shown, not dropped");
            Assert.That(line, Does.StartWith("<").And.EndWith(">"));
        });
    }

    [Test]
    public void OneLine_keeps_a_multi_line_message_on_one_line_and_trims_its_ends()
    {
        var line = ErrorMappingInterceptor.OneLine("  first line\nsecond line\r\n");
        Assert.That(line, Is.EqualTo(@"first line\nsecond line"));
        Assert.That(ErrorMappingInterceptor.OneLine("a\u2028b\u2029c"), Is.EqualTo(@"a\u2028b\u2029c"), "Unicode line and paragraph separators too");
    }

    [Test]
    public void OneLine_leaves_plain_text_and_its_own_escapes_alone()
    {
        const string plain = @"checkpoint name 'a\b' must not contain '/', '\' or '..' (naïve, 日本語)";
        Assert.That(ErrorMappingInterceptor.OneLine(plain), Is.EqualTo(plain));
        var once = ErrorMappingInterceptor.OneLine($"x{Red}y\u0085z");
        Assert.That(ErrorMappingInterceptor.OneLine(once), Is.EqualTo(once), "escaping twice changes nothing");
    }

    [Test]
    public void OneLine_shortens_long_messages_without_cutting_an_escape_in_half()
    {
        for (var prefix = 285; prefix < 300; prefix++)
        {
            var line = ErrorMappingInterceptor.OneLine(new string('a', prefix) + string.Concat(Enumerable.Repeat(Red, 10)));
            Assert.That(line.Length, Is.LessThanOrEqualTo(300), line);
            Assert.That(line, Does.EndWith("...").And.Not.Contain(Esc));
            var body = line[Math.Min(prefix, line.Length - 3)..^3];
            Assert.That(body.Replace(@"\x1b[31m", ""), Is.Empty.Or.EqualTo(@"\x1b").Or.EqualTo(@"\x1b[").Or.EqualTo(@"\x1b[3").Or.EqualTo(@"\x1b[31"),
                $"the cut falls between escapes or after a whole \\x1b: '{body}'");
            Assert.That(body, Does.Not.EndWith(@"\").And.Not.EndWith(@"\x").And.Not.EndWith(@"\x1"));
        }
    }

    [Test]
    public void Names_show_control_characters_of_a_refused_name_as_escapes()
    {
        var e = Assert.Throws<FederationException>(() => Names.CheckAppName($"evil{Red}", "workload name"))!;
        Assert.That(e.Message, Does.Contain(@"'evil\x1b[31m'").And.Not.Contain(Esc));
        e = Assert.Throws<FederationException>(() => Names.CheckImageReference($"app:1{Red}" + new string('a', 100)))!;
        Assert.That(e.Message, Does.Contain(@"app:1\x1b[31m").And.Not.Contain(Esc));
    }

    // ---- the coordinator: status detail and the log of the refusal ----

    [Test]
    public void Migrate_to_a_destination_with_ESC_names_it_escaped_in_the_status_and_the_log()
    {
        var e = Assert.ThrowsAsync<RpcException>(async () =>
            await node.Client.MigrateAsync(new MigrateRequest { Workload = "default/x", Destination = $"b{Red}" }))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.StatusCode, Is.EqualTo(StatusCode.NotFound), e.Status.Detail);
            Assert.That(e.Status.Detail, Does.Contain(@"unknown destination cluster 'b\x1b[31m'"));
            Assert.That(e.Status.Detail, Does.Not.Contain(Esc), "no raw ESC in the status detail");
        });
        var logged = logs.Messages.Where(m => m.Contains("unknown destination cluster")).ToList();
        Assert.That(logged, Is.Not.Empty, "the refusal is logged");
        Assert.That(logged, Has.All.Contain(@"'b\x1b[31m'").And.All.Not.Contain(Esc), "no raw ESC in the log");
    }

    // ---- fedctl: what the server says, and its own messages ----

    [Test]
    public async Task Fedctl_migrate_to_a_destination_with_ESC_prints_it_escaped()
    {
        var (code, _, error) = await Fedctl.RunAsync(config, "migrate", "default/x", "--to", $"b{Red}");
        AssertOneEscapedLine(code, ExitCodes.NotFound, error, @"unknown destination cluster 'b\x1b[31m'");
    }

    [Test]
    public async Task Fedctl_own_messages_show_control_characters_as_escapes()
    {
        var (code, _, error) = await Fedctl.RunAsync(config, "deploy", $"a/b/{Red}", "--image", "app:1");
        AssertOneEscapedLine(code, ExitCodes.Usage, error, @"workload 'a/b/\x1b[31m' is not NAMESPACE/NAME");

        (code, _, error) = await Fedctl.RunAsync(config, "--cluster", $"m{Red}\nars", "workloads");
        AssertOneEscapedLine(code, ExitCodes.Config, error, @"unknown cluster 'm\x1b[31m\nars'");

        (code, _, error) = await Fedctl.RunAsync(config, $"{Red}bogus");
        AssertOneEscapedLine(code, ExitCodes.Usage, error, @"\x1b[31mbogus");
    }

    [Test]
    public async Task Fedctl_tables_show_control_characters_of_server_text_as_escapes()
    {
        var id = new WorkloadId("default", "shown");
        adapter.Emit(WorkloadEventType.Added,
            new WorkloadInfo(id, Adapters.WorkloadRole.Active, $"app:1{Red}\u009b2J", true, new Uri("http://127.0.0.1:9"), new Uri("http://127.0.0.1:9"), new Dictionary<int, string>(), null, null));
        var (code, output, error) = await Fedctl.RunAsync(config, "workloads");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        Assert.That(output, Does.Contain(@"app:1\x1b[31m\x9b2J").And.Not.Contain(Esc).And.Not.Contain('\u009b'));

        (code, output, error) = await Fedctl.RunAsync(config, "-o", "json", "workloads");
        Assert.That(code, Is.EqualTo(ExitCodes.Ok), error);
        Assert.That(output, Does.Contain("app:1").And.Not.Contain(Esc).And.Not.Contain('\u009b'), "JSON escapes them its own way");
    }

    private static void AssertOneEscapedLine(int code, int expected, string error, string mentions) =>
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(expected), error);
            Assert.That(error, Does.Contain(mentions));
            Assert.That(error, Does.Not.Contain(Esc), "no raw ESC on stderr");
            Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "one line");
            Assert.That(error.TrimEnd().Where(char.IsControl), Is.Empty, "no control character at all");
        });

    /// <summary>Keeps every formatted log message, from every category.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(Messages);

        public void Dispose() { }

        private sealed class Logger(ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception));
        }
    }
}
