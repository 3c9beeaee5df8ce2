using Federation.Coordinator.Policy;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>The policy file's checks (issue 12): a good file gives its policy; every mistake is exactly one line naming where it is.</summary>
[TestFixture]
public sealed class PolicyParserTests
{
    private const string Good = """
        dry-run: true
        edge-offload:
          resource: cpu
          upper: 0.8
          window: 60s
          lower: 40%
          lower-window: 5m
          cooldown: 10m
          priority-label: example.com/priority
          opt-out-label: example.com/stay
        balance:
          margin: 0.2
        guards:
          max-concurrent-migrations: 2
          cooldown: 15m
        """;

    [Test]
    public void A_good_file_gives_its_policy()
    {
        var result = PolicyParser.Parse(Good);
        Assert.That(result.Errors, Is.Empty);
        var policy = result.Policy!;
        Assert.Multiple(() =>
        {
            Assert.That(policy.DryRun, Is.True);
            Assert.That(policy.EdgeOffload, Is.EqualTo(new EdgeOffloadPolicy(PressureResource.Cpu, 0.8, TimeSpan.FromSeconds(60), 0.4,
                TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), "example.com/priority", "example.com/stay")));
            Assert.That(policy.Balance, Is.EqualTo(new BalancePolicy(PressureResource.Cpu, 0.2)));
            Assert.That(policy.Guards, Is.EqualTo(new PolicyGuards(2, TimeSpan.FromMinutes(15))));
            Assert.That(policy.Summary(), Does.Contain("above 0.8 for 1m").And.Contain("below 0.4 for 5m").And.Contain("dry run"));
        });
    }

    [Test]
    public void An_empty_file_is_no_policy() => Assert.That(PolicyParser.Parse("").Policy, Is.EqualTo(OffloadPolicy.None));

    [Test]
    public void Defaults_fill_what_is_left_out()
    {
        var policy = PolicyParser.Parse("edge-offload: {resource: memory, upper: 0.9, lower: 0.5, window: 30s}").Policy!;
        Assert.That(policy.EdgeOffload!.LowerWindow, Is.EqualTo(TimeSpan.FromSeconds(60)), "twice the window");
        Assert.That(policy.EdgeOffload.OptOutLabel, Is.EqualTo("federation.io/no-offload"));
        Assert.That(policy.Guards, Is.EqualTo(PolicyGuards.Default));
    }

    private static IEnumerable<TestCaseData> Mistakes()
    {
        yield return new TestCaseData("edge-offload: {resource: cpu, upper: 0.8, lower: 0.4, window: 1m, speed: 3}\nextra: 1\n",
            new[] { "line 1: unknown field 'speed' in edge-offload", "line 2: unknown field 'extra'" }).SetName("Unknown_fields_are_one_line_each");
        yield return new TestCaseData("edge-offload: {resource: cpu, upper: 1.5, lower: -0.1, window: 1m}",
            new[] { "edge-offload.upper 1.5 is out of range", "edge-offload.lower -0.1 is out of range" }).SetName("Thresholds_out_of_range_are_one_line_each");
        yield return new TestCaseData("edge-offload:\n  resource: cpu\n  upper: 0.6\n  lower: 0.7\n  window: 1m\n",
            new[] { "line 4: edge-offload.lower 0.7 is not below upper 0.6" }).SetName("A_lower_threshold_above_the_upper_is_refused");
        yield return new TestCaseData("edge-offload: {resource: cpu, upper: 0.8, lower: 0.4, window: -5s, cooldown: -1m}\nguards: {cooldown: -2h}",
            new[] { "edge-offload.window -5s is negative", "edge-offload.cooldown -1m is negative", "line 2: guards.cooldown -2h is negative" }).SetName("Negative_windows_are_one_line_each");
        yield return new TestCaseData("edge-offload: {resource: cpu, upper: 0.8, lower: 0.4, window: 5m, lower-window: 1m}",
            new[] { "edge-offload.lower-window 1m is shorter than window 5m" }).SetName("A_lower_window_shorter_than_the_window_is_refused");
        yield return new TestCaseData("edge-offload: {resource: disk, upper: high, window: soon}\nbalance: {margin: 0}\nguards: {max-concurrent-migrations: 0}",
            new[] { "edge-offload.resource 'disk' is not cpu, memory or workloads", "edge-offload.upper 'high' is not a number", "edge-offload.lower is missing",
                "edge-offload.window 'soon' is not a duration", "balance.margin 0 is out of range", "guards.max-concurrent-migrations '0' is not a whole number from 1 to 100" })
            .SetName("Every_kind_of_bad_value_is_one_line");
        yield return new TestCaseData("edge-offload: [1, 2\n", new[] { "not YAML" }).SetName("Broken_yaml_is_one_line");
        yield return new TestCaseData("- a\n- b\n", new[] { "line 1: the policy must be a mapping" }).SetName("A_list_is_not_a_policy");
    }

    [TestCaseSource(nameof(Mistakes))]
    public void Each_mistake_is_one_line(string yaml, string[] expected)
    {
        var result = PolicyParser.Parse(yaml);
        Assert.That(result.Policy, Is.Null);
        Assert.That(result.Errors, Has.Count.EqualTo(expected.Length), string.Join("\n", result.Errors));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.That(result.Errors.Count(e => e.Contains(expected[i], StringComparison.Ordinal)), Is.EqualTo(1), $"'{expected[i]}' in:\n{string.Join("\n", result.Errors)}");
        }
        Assert.That(result.Errors, Has.All.Not.Contain("\n"));
    }
}
