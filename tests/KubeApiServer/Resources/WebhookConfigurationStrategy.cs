using Federation.Tests.Kube.Validation;
using k8s;
using k8s.Models;

namespace Federation.Tests.Kube.Resources;

/// <summary>
/// admissionregistration.k8s.io/v1 mutatingwebhookconfigurations: the real defaults (failurePolicy Fail,
/// matchPolicy Equivalent, timeoutSeconds 10, empty selectors, rule scope *) and validation (qualified webhook
/// names, sideEffects, admissionReviewVersions, exactly one of url and service, https only).
/// </summary>
public sealed class WebhookConfigurationStrategy : ResourceStrategy
{
    public override void Default(IKubernetesObject<V1ObjectMeta> model, StrategyContext context)
    {
        foreach (var hook in ((V1MutatingWebhookConfiguration)model).Webhooks ?? [])
        {
            hook.FailurePolicy ??= "Fail";
            hook.MatchPolicy ??= "Equivalent";
            hook.NamespaceSelector ??= new V1LabelSelector();
            hook.ObjectSelector ??= new V1LabelSelector();
            hook.TimeoutSeconds ??= 10;
            hook.ReinvocationPolicy ??= "Never";
            foreach (var rule in hook.Rules ?? [])
            {
                rule.Scope ??= "*";
            }
            if (hook.ClientConfig?.Service is { } service)
            {
                service.Port ??= 443;
            }
        }
    }

    public override IEnumerable<FieldCause> Validate(IKubernetesObject<V1ObjectMeta> model, StrategyContext context)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (hook, i) in (((V1MutatingWebhookConfiguration)model).Webhooks ?? []).Select((h, i) => (h, i)))
        {
            var at = $"webhooks[{i}]";
            if (string.IsNullOrEmpty(hook.Name))
            {
                yield return FieldCause.Required($"{at}.name", "");
            }
            else
            {
                foreach (var message in NameRules.Subdomain(hook.Name))
                {
                    yield return FieldCause.Invalid($"{at}.name", hook.Name, message);
                }
                if (hook.Name.Split('.').Length < 3)
                {
                    yield return FieldCause.Invalid($"{at}.name", hook.Name, "should be a domain with at least three segments separated by dots");
                }
                if (!names.Add(hook.Name))
                {
                    yield return FieldCause.Duplicate($"{at}.name", hook.Name);
                }
            }
            if (hook.AdmissionReviewVersions is null || hook.AdmissionReviewVersions.Count == 0)
            {
                yield return FieldCause.Required($"{at}.admissionReviewVersions", "must specify one of v1, v1beta1");
            }
            else if (!hook.AdmissionReviewVersions.Any(v => v is "v1" or "v1beta1"))
            {
                yield return FieldCause.Invalid($"{at}.admissionReviewVersions", string.Join(",", hook.AdmissionReviewVersions), "must include at least one of v1, v1beta1");
            }
            if (string.IsNullOrEmpty(hook.SideEffects))
            {
                yield return FieldCause.Required($"{at}.sideEffects", "");
            }
            else if (hook.SideEffects is not ("None" or "NoneOnDryRun"))
            {
                yield return FieldCause.NotSupported($"{at}.sideEffects", hook.SideEffects, "None", "NoneOnDryRun");
            }
            if (hook.FailurePolicy is not ("Fail" or "Ignore"))
            {
                yield return FieldCause.NotSupported($"{at}.failurePolicy", hook.FailurePolicy, "Fail", "Ignore");
            }
            if (hook.TimeoutSeconds is < 1 or > 30)
            {
                yield return FieldCause.Invalid($"{at}.timeoutSeconds", hook.TimeoutSeconds, "the timeout value must be between 1 and 30 seconds");
            }
            var config = hook.ClientConfig;
            var hasUrl = !string.IsNullOrEmpty(config?.Url);
            var hasService = config?.Service is not null;
            if (hasUrl == hasService)
            {
                yield return FieldCause.Required($"{at}.clientConfig", "exactly one of url or service is required");
            }
            else if (hasUrl)
            {
                if (!Uri.TryCreate(config!.Url, UriKind.Absolute, out var url))
                {
                    yield return FieldCause.Invalid($"{at}.clientConfig.url", config.Url, "host must be specified");
                }
                else if (url.Scheme != "https")
                {
                    yield return FieldCause.Invalid($"{at}.clientConfig.url", config.Url, "'https' is the only allowed URL scheme");
                }
            }
            foreach (var (rule, j) in (hook.Rules ?? []).Select((r, j) => (r, j)))
            {
                if (rule.Operations is null || rule.Operations.Count == 0)
                {
                    yield return FieldCause.Required($"{at}.rules[{j}].operations", "");
                }
                if (rule.ApiGroups is null || rule.ApiGroups.Count == 0)
                {
                    yield return FieldCause.Required($"{at}.rules[{j}].apiGroups", "");
                }
                if (rule.ApiVersions is null || rule.ApiVersions.Count == 0)
                {
                    yield return FieldCause.Required($"{at}.rules[{j}].apiVersions", "");
                }
                if (rule.Resources is null || rule.Resources.Count == 0)
                {
                    yield return FieldCause.Required($"{at}.rules[{j}].resources", "");
                }
            }
        }
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        TableColumn.NameColumn,
        TableColumn.Integer("Webhooks", o => o["webhooks"]?.AsArray().Count ?? 0),
        TableColumn.AgeColumn,
    ];
}
