using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using YamlDotNet.Serialization;

namespace Federation.Deploy.Tests;

/// <summary>deploy/: every object parses into the official models without losing a field, and says what it must.</summary>
public sealed class ManifestTests
{
    private static readonly List<object> Objects = Manifests.Load();

    [Test]
    public void Every_field_of_every_manifest_is_one_the_official_models_know()
    {
        foreach (var file in Manifests.Files())
        {
            var text = File.ReadAllText(file);
            var models = KubernetesYaml.LoadAllFromString(text);
            var documents = text.Split("\n---", StringSplitOptions.RemoveEmptyEntries)
                .Select(d => new DeserializerBuilder().Build().Deserialize<object>(d)).Where(d => d is not null).ToList();
            Assert.That(models, Has.Count.EqualTo(documents.Count), file);
            foreach (var (model, document) in models.Zip(documents))
            {
                var known = Paths(JsonNode.Parse(KubernetesJson.Serialize(model))).ToHashSet();
                var written = Paths(JsonNode.Parse(JsonSerializer.Serialize(document))).ToList();
                Assert.That(written.Where(p => !known.Contains(p)), Is.Empty, $"{Path.GetFileName(file)}: fields the {model.GetType().Name} model does not know (misspelt or misplaced)");
            }
        }
    }

    [Test]
    public void The_webhook_fails_closed_has_side_effects_only_off_dry_runs_and_calls_the_coordinators_service()
    {
        var configuration = Manifests.Single<V1MutatingWebhookConfiguration>(Objects, "federation-coordinator");
        var webhook = configuration.Webhooks.Single();
        Assert.Multiple(() =>
        {
            Assert.That(webhook.FailurePolicy, Is.EqualTo("Fail"));
            Assert.That(webhook.SideEffects, Is.EqualTo("NoneOnDryRun"), "the webhook writes the namespace's Engine credential Secret, except on a dry run");
            Assert.That(webhook.TimeoutSeconds, Is.InRange(1, 30));
            Assert.That(webhook.AdmissionReviewVersions, Does.Contain("v1"));
            Assert.That(webhook.ClientConfig.Service.Name, Is.EqualTo("federation-coordinator"));
            Assert.That(webhook.ClientConfig.Service.NamespaceProperty, Is.EqualTo("federation"));
            Assert.That(webhook.ClientConfig.Service.Path, Is.EqualTo("/mutate-pods"));
            Assert.That(webhook.ClientConfig.Service.Port, Is.EqualTo(443));
            Assert.That(webhook.ClientConfig.CaBundle, Is.Not.Null, "caBundle (make-webhook-cert.sh fills it)");
            Assert.That(webhook.Rules.Single().Operations, Is.EqualTo(new[] { "CREATE" }));
            Assert.That(webhook.Rules.Single().Resources, Is.EqualTo(new[] { "pods" }));
            Assert.That(webhook.NamespaceSelector.MatchExpressions.Any(e => e.OperatorProperty == "NotIn" && e.Values.Contains("federation")), Is.True,
                "the coordinator's own pods never go through its webhook");
        });
    }

    [Test]
    public void The_service_sends_443_to_the_webhook_port_8443_and_serves_grpc()
    {
        var service = Manifests.Single<V1Service>(Objects, "federation-coordinator");
        var deployment = Manifests.Single<V1Deployment>(Objects, "federation-coordinator");
        var container = deployment.Spec.Template.Spec.Containers.Single();
        var webhook = service.Spec.Ports.Single(p => p.Port == 443);
        var grpc = service.Spec.Ports.Single(p => p.Name == "grpc");
        Assert.Multiple(() =>
        {
            Assert.That(container.Ports.Single(p => p.Name == webhook.TargetPort.Value).ContainerPort, Is.EqualTo(8443));
            Assert.That(container.Ports.Single(p => p.Name == grpc.TargetPort.Value).ContainerPort, Is.EqualTo(7400));
            Assert.That(container.Args, Does.Contain("--webhook-port=8443").And.Contain("--port=7400").And.Contain("--adapter=kubernetes"));
            Assert.That(service.Spec.Selector, Is.EquivalentTo(deployment.Spec.Template.Metadata.Labels.Where(l => l.Key == "app.kubernetes.io/name")));
            Assert.That(deployment.Spec.Template.Spec.ServiceAccountName, Is.EqualTo("federation-coordinator"));
            Assert.That(deployment.Spec.Template.Spec.Volumes.Single(v => v.Name == "webhook-tls").Secret.SecretName, Is.EqualTo("federation-webhook-tls"));
            Assert.That(container.SecurityContext.AllowPrivilegeEscalation, Is.False);
            Assert.That(deployment.Spec.Template.Spec.SecurityContext.RunAsNonRoot, Is.True, "the coordinator needs no root");
        });
    }

    [Test]
    public void The_cluster_role_grants_only_the_verbs_the_Kubernetes_adapter_uses()
    {
        // What adapters/Kubernetes calls: keep in step with it.
        var allowed = new Dictionary<string, string[]>
        {
            ["pods"] = ["get", "list", "watch", "create", "delete", "patch"],
            ["pods/log"] = ["get"],
            ["services"] = ["get", "list", "create", "patch", "delete"],
            ["endpoints"] = ["get", "create", "update", "delete"],
            ["replicasets"] = ["get", "create", "delete", "patch"],
            ["deployments"] = ["get", "patch"],
            ["statefulsets"] = ["get", "patch"],
            ["nodes"] = ["get", "list"],
            ["secrets"] = ["get", "create", "update"],
            ["namespaces"] = ["get", "create"],
        };
        var role = Manifests.Single<V1ClusterRole>(Objects, "federation-coordinator");
        var granted = role.Rules.SelectMany(r => r.Resources.SelectMany(resource => r.Verbs.Select(verb => (resource, verb)))).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(granted.Where(g => !allowed.TryGetValue(g.resource, out var verbs) || !verbs.Contains(g.verb)), Is.Empty, "no verb beyond what the adapter uses");
            Assert.That(role.Rules.SelectMany(r => r.Verbs.Concat(r.Resources).Concat(r.ApiGroups)), Has.None.EqualTo("*"), "no wildcard");
            Assert.That(role.Rules.Any(r => r.ResourceNames is { Count: > 0 } || r.NonResourceURLs is { Count: > 0 }), Is.False);
            Assert.That(granted.Where(g => g.resource == "secrets").Select(g => g.verb), Has.None.EqualTo("list").And.None.EqualTo("watch"),
                "secrets are read by name only, never listed");
        });
        var binding = Manifests.Single<V1ClusterRoleBinding>(Objects, "federation-coordinator");
        Assert.That(binding.Subjects.Single().Name, Is.EqualTo("federation-coordinator"));
        Assert.That(binding.RoleRef.Name, Is.EqualTo(role.Metadata.Name));
    }

    [Test]
    public void Only_the_coordinator_reaches_a_runtime_pods_Engine()
    {
        var policy = Objects.OfType<V1NetworkPolicy>().Single();
        var coordinatorLabels = Manifests.Single<V1Deployment>(Objects, "federation-coordinator").Spec.Template.Metadata.Labels;
        var engineRules = policy.Spec.Ingress.Where(r => r.Ports is null || r.Ports.Any(p => p.Port.Value == "50051")).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(policy.Spec.PodSelector.MatchLabels, Is.EquivalentTo(new Dictionary<string, string> { ["federation.io/runtime"] = "true" }));
            Assert.That(policy.Spec.PolicyTypes, Does.Contain("Ingress"));
            Assert.That(engineRules, Has.Count.EqualTo(1), "one rule admits the Engine port, none admits every port");
            var from = engineRules.Single().FromProperty.Single();
            Assert.That(from.PodSelector.MatchLabels.All(l => coordinatorLabels.TryGetValue(l.Key, out var v) && v == l.Value), Is.True, "it selects the coordinator's pods");
            Assert.That(from.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"], Is.EqualTo("federation"));
            Assert.That(from.IpBlock, Is.Null);
        });
    }

    [Test]
    public void The_sample_app_is_an_ordinary_Deployment_annotated_migratable_in_a_namespace_the_webhook_sees()
    {
        var app = Manifests.Single<V1Deployment>(Objects, "counter");
        var ns = Manifests.Single<V1Namespace>(Objects, app.Metadata.NamespaceProperty);
        var service = Objects.OfType<V1Service>().Single(s => s.Metadata.NamespaceProperty == app.Metadata.NamespaceProperty);
        var webhook = Manifests.Single<V1MutatingWebhookConfiguration>(Objects, "federation-coordinator").Webhooks.Single();
        Assert.Multiple(() =>
        {
            Assert.That(app.Spec.Template.Metadata.Annotations["federation.io/migratable"], Is.EqualTo("true"));
            Assert.That(app.Spec.Template.Spec.Containers, Has.Count.EqualTo(1), "one app container: the webhook refuses more");
            Assert.That(service.Spec.Selector, Is.EquivalentTo(app.Spec.Template.Metadata.Labels));
            var selected = webhook.NamespaceSelector.MatchExpressions.Where(e => e.OperatorProperty == "In").Single();
            Assert.That(selected.Values, Does.Contain(ns.Metadata.Labels[selected.Key]));
        });
    }

    private static IEnumerable<string> Paths(JsonNode? node, string prefix = "")
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o) foreach (var p in Paths(value, $"{prefix}/{key}")) yield return p;
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++) foreach (var p in Paths(a[i], $"{prefix}/{i}")) yield return p;
                break;
            default:
                yield return prefix;
                break;
        }
    }
}
