using System.Text;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Admission;

/// <summary>
/// The MutatingWebhookConfiguration an operator applies for the coordinator's webhook (deploy/30-webhook.yaml): pod CREATE
/// sent to <c>url</c>, failing closed, side effects only off dry runs, trusting <c>caPem</c>.
/// </summary>
public static class PodMutatingWebhook
{
    public static Task<V1MutatingWebhookConfiguration> RegisterAsync(IKubernetes client, string url, string caPem, CancellationToken ct) =>
        client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(new V1MutatingWebhookConfiguration
        {
            ApiVersion = "admissionregistration.k8s.io/v1",
            Kind = "MutatingWebhookConfiguration",
            Metadata = new V1ObjectMeta { Name = "federation" },
            Webhooks =
            [
                new V1MutatingWebhook
                {
                    Name = "pods.federation.io",
                    AdmissionReviewVersions = ["v1"],
                    SideEffects = "NoneOnDryRun",
                    FailurePolicy = "Fail",
                    ClientConfig = new Admissionregistrationv1WebhookClientConfig { Url = url, CaBundle = Encoding.ASCII.GetBytes(caPem) },
                    Rules = [new V1RuleWithOperations { Operations = ["CREATE"], ApiGroups = [""], ApiVersions = ["v1"], Resources = ["pods"] }],
                },
            ],
        }, cancellationToken: ct);
}
