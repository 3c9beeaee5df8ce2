using Federation.Adapters.Docker;
using Federation.Coordinator.Signals;
using Federation.V1;
using Google.Protobuf;

namespace Federation.Coordinator.Tests.InProcess;

/// <summary>Priority and opt-out read from a workload's labels; bad values are one line, never a crash; the Docker adapter's labels come from the app spec.</summary>
public sealed class WorkloadLabelsTests
{
    private const string P = WorkloadLabels.DefaultPriorityLabel;
    private const string O = WorkloadLabels.DefaultOptOutLabel;

    private static WorkloadLabels Read(params (string Key, string Value)[] labels) =>
        WorkloadLabels.Read("default/x", labels.ToDictionary(l => l.Key, l => l.Value), P, O);

    [Test]
    public void Priority_and_opt_out_are_read_under_the_policys_names()
    {
        Assert.That(Read(), Is.EqualTo(new WorkloadLabels(0, false, null)));
        Assert.That(Read((P, "7"), (O, "false")), Is.EqualTo(new WorkloadLabels(7, false, null)));
        Assert.That(Read((P, " -3 "), (O, "TRUE")), Is.EqualTo(new WorkloadLabels(-3, true, null)));
        Assert.That(WorkloadLabels.Read("default/x", null, P, O), Is.EqualTo(new WorkloadLabels(0, false, null)));
        var custom = WorkloadLabels.Read("default/x", new Dictionary<string, string> { ["tier"] = "5", ["pin"] = "true", [P] = "9" }, "tier", "pin");
        Assert.That(custom, Is.EqualTo(new WorkloadLabels(5, true, null)), "the policy's priority-label and opt-out-label, not the defaults");
    }

    [Test]
    public void A_bad_value_is_one_line_and_the_safe_reading()
    {
        var bad = Read((P, "high"), (O, "never\nagain"));
        Assert.That(bad.Priority, Is.Zero);
        Assert.That(bad.OptOut, Is.True, "an opt-out that is not understood keeps the workload where it is");
        Assert.That(bad.Problem, Is.EqualTo("default/x: label federation.io/priority='high' is not an integer: priority 0 used; "
            + "label federation.io/no-offload='never?again' is neither true nor false: treated as opted out"));
        Assert.That(Read((P, "99999999999999")).Problem, Does.Contain("is not an integer"));
    }

    [Test]
    public void The_Docker_adapter_reports_the_labels_of_the_app_spec_it_keeps()
    {
        var spec = new AppSpec { Name = "x", Image = "i", Labels = { [P] = "2", [O] = "true" } };
        Assert.That(WorkloadSpecLabels.Of(JsonFormatter.Default.Format(spec)), Is.EqualTo(new Dictionary<string, string> { [P] = "2", [O] = "true" }));
        Assert.That(WorkloadSpecLabels.Of(JsonFormatter.Default.Format(new AppSpec { Name = "x" })), Is.Null);
        Assert.That(WorkloadSpecLabels.Of(null), Is.Null);
        Assert.That(WorkloadSpecLabels.Of("{not json"), Is.Null);
    }
}
