using Federation.Adapters;
using Federation.Adapters.Mesos;
using Federation.Adapters.Mesos.Api;
using Federation.Adapters.Mesos.Runtime;
using Federation.V1;

namespace Federation.Mesos.Tests;

/// <summary>A Marathon workload's labels: the app spec's labels go onto the runtime app, and the app's labels come back to the policies.</summary>
public sealed class WorkloadLabelsTests
{
    [Test]
    public void The_app_spec_labels_are_the_apps_and_the_apps_labels_are_reported_without_the_adapters_spec()
    {
        var spec = new AppSpec { Name = "cart", Image = "i", Labels = { ["federation.io/priority"] = "3", [MarathonLabels.Role] = "spoofed" } };
        var app = new RuntimeAppBuilder(RuntimeAppBuilderTests.Options()).Build("/federation/runtimes/default/cart-1", new WorkloadId("default", "cart"), spec,
            RuntimeAppRole.Serving, "c");
        Assert.That(app.Labels!["federation.io/priority"], Is.EqualTo("3"));
        Assert.That(app.Labels[MarathonLabels.Role], Is.EqualTo(MarathonLabels.ActiveRole), "the adapter's own labels win");

        app.Labels["federation.io/no-offload"] = "true"; // an operator's edit in Marathon
        var labels = RuntimeAppView.LabelsOf(app, RuntimeAppView.SpecOf(app));
        Assert.That(labels["federation.io/priority"], Is.EqualTo("3"));
        Assert.That(labels["federation.io/no-offload"], Is.EqualTo("true"));
        Assert.That(labels.ContainsKey(MarathonLabels.AppSpec), Is.False);
        Assert.That(RuntimeAppView.LabelsOf(new MarathonApp(), null), Is.Empty);
    }
}
