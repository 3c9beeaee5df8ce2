using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Federation.Tests.Kube.Http;
using Federation.Tests.Kube.Patching;
using Federation.Tests.Kube.Resources;
using Federation.Tests.Kube.Selectors;
using Federation.Tests.Kube.Store;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Kube.Admission;

/// <summary>
/// Mutating admission through the stored MutatingWebhookConfigurations, as the real server runs it: every webhook
/// whose rules, namespaceSelector and objectSelector match gets an admission.k8s.io/v1 AdmissionReview POSTed
/// to its clientConfig.url (HTTPS, trusting its caBundle, ?timeout= appended, timeoutSeconds honoured), in
/// configuration-name order; a JSONPatch answer is applied; <c>allowed: false</c> refuses the request (403 unless
/// the webhook gives a code); a webhook that cannot be called refuses it with 500 InternalError under
/// failurePolicy Fail and is skipped under Ignore. clientConfig.service is not supported (a call failure that says so).
/// </summary>
public sealed partial class WebhookAdmission(ResourceCatalog catalog, ObjectStore store, ILogger<WebhookAdmission> logger) : IMutatingAdmission
{
    public async Task<JsonObject> AdmitAsync(ResourceKind kind, string operation, JsonObject item, JsonObject? old, string? subresource, bool dryRun, CancellationToken cancellationToken)
    {
        if (kind.Group == "admissionregistration.k8s.io")
        {
            return item;
        }
        var configurations = store.List(catalog.Get("admissionregistration.k8s.io", "mutatingwebhookconfigurations"), null).Items;
        var current = item;
        foreach (var configuration in configurations)
        {
            var model = KubernetesJson.Deserialize<V1MutatingWebhookConfiguration>(configuration);
            foreach (var hook in model.Webhooks ?? [])
            {
                if (!Applies(hook, kind, operation, subresource, current, old))
                {
                    continue;
                }
                current = await CallAsync(hook, kind, operation, subresource, current, old, dryRun, cancellationToken).ConfigureAwait(false);
            }
        }
        return current;
    }

    private bool Applies(V1MutatingWebhook hook, ResourceKind kind, string operation, string? subresource, JsonObject item, JsonObject? old)
    {
        var resource = subresource is null ? kind.Plural : $"{kind.Plural}/{subresource}";
        var ruleMatches = (hook.Rules ?? []).Any(rule =>
            (rule.Operations ?? []).Any(o => o == "*" || o == operation)
            && (rule.ApiGroups ?? []).Any(g => g == "*" || g == kind.Group)
            && (rule.ApiVersions ?? []).Any(v => v == "*" || v == kind.Version)
            && (rule.Resources ?? []).Any(r => r == resource || r == "*/*" || (r == "*" && subresource is null)
                || (subresource is not null && (r == $"{kind.Plural}/*" || r == $"*/{subresource}")))
            && (rule.Scope is null or "*" || (rule.Scope == "Namespaced") == kind.Namespaced));
        if (!ruleMatches)
        {
            return false;
        }
        var objectSelector = LabelSelector.FromModel(hook.ObjectSelector);
        if (!objectSelector.Matches(LabelsOf(item)) && (old is null || !objectSelector.Matches(LabelsOf(old))))
        {
            return false;
        }
        var namespaceSelector = LabelSelector.FromModel(hook.NamespaceSelector);
        if (kind.Plural == "namespaces" && kind.Group.Length == 0)
        {
            return namespaceSelector.Matches(LabelsOf(item));
        }
        if (!kind.Namespaced)
        {
            return true;
        }
        var ns = item["metadata"]?["namespace"]?.GetValue<string>() ?? "";
        var nsObject = store.Get(catalog.Get("", "namespaces"), "", ns);
        return namespaceSelector.Matches(nsObject is null ? null : LabelsOf(nsObject));
    }

    private async Task<JsonObject> CallAsync(V1MutatingWebhook hook, ResourceKind kind, string operation, string? subresource, JsonObject item, JsonObject? old, bool dryRun, CancellationToken cancellationToken)
    {
        var uid = Guid.NewGuid().ToString();
        var review = Review(uid, kind, operation, subresource, item, old, dryRun);
        JsonObject response;
        try
        {
            response = await PostAsync(hook, review, uid, cancellationToken).ConfigureAwait(false);
        }
        catch (WebhookCallException failed)
        {
            LogCallFailed(logger, hook.Name, failed.Message);
            if (hook.FailurePolicy == "Ignore")
            {
                return item;
            }
            throw KubeStatusException.Internal($"failed calling webhook \"{hook.Name}\": {failed.Message}");
        }
        if (response["allowed"]?.GetValue<bool>() != true)
        {
            var status = response["status"] as JsonObject;
            var code = status?["code"]?.GetValue<int>() ?? 0;
            var message = status?["message"]?.GetValue<string>();
            var reason = status?["reason"]?.GetValue<string>() ?? "";
            var deniedBy = $"admission webhook \"{hook.Name}\" denied the request";
            var text = !string.IsNullOrEmpty(message) ? $"{deniedBy}: {message}" : reason.Length > 0 ? $"{deniedBy}: {reason}" : $"{deniedBy} without explanation";
            throw new KubeStatusException(code < 400 ? 403 : code, reason, text);
        }
        if (response["patch"]?.GetValue<string>() is not { Length: > 0 } patchText)
        {
            return item;
        }
        if (response["patchType"]?.GetValue<string>() != "JSONPatch")
        {
            throw KubeStatusException.Internal($"failed calling webhook \"{hook.Name}\": unsupported patch type \"{response["patchType"]}\"");
        }
        try
        {
            var operations = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(patchText))) as JsonArray
                ?? throw new FormatException("the patch is not a JSON array");
            return JsonPatch.Apply(item, operations) as JsonObject ?? throw new FormatException("the patch did not produce an object");
        }
        catch (Exception e) when (e is FormatException or JsonException or JsonPatchException or InvalidOperationException)
        {
            throw KubeStatusException.Internal($"failed calling webhook \"{hook.Name}\": failed to apply its patch: {e.Message}");
        }
    }

    private static async Task<JsonObject> PostAsync(V1MutatingWebhook hook, JsonObject review, string uid, CancellationToken cancellationToken)
    {
        var config = hook.ClientConfig;
        if (config?.Url is not { Length: > 0 } url)
        {
            throw new WebhookCallException("clientConfig.service is not supported by the mock API server (no cluster network): give the webhook a clientConfig.url");
        }
        var timeout = TimeSpan.FromSeconds(hook.TimeoutSeconds ?? 10);
        var target = url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + $"timeout={(int)timeout.TotalSeconds}s";
        using var handler = new HttpClientHandler();
        if (config.CaBundle is { Length: > 0 } bundle)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPem(Encoding.ASCII.GetString(bundle));
            handler.ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                {
                    return false;
                }
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            };
        }
        using var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        HttpResponseMessage answer;
        string text;
        try
        {
            using var content = new StringContent(review.ToJsonString(), Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            answer = await client.PostAsync(target, content, deadline.Token).ConfigureAwait(false);
            text = await answer.Content.ReadAsStringAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new WebhookCallException($"failed to call webhook: Post \"{target}\": context deadline exceeded");
        }
        catch (HttpRequestException e)
        {
            throw new WebhookCallException($"failed to call webhook: Post \"{target}\": {e.InnerException?.Message ?? e.Message}");
        }
        using (answer)
        {
            if (!answer.IsSuccessStatusCode)
            {
                throw new WebhookCallException($"received invalid webhook response: the server responded with the status code {(int)answer.StatusCode}");
            }
        }
        JsonObject? reply;
        try
        {
            reply = JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException e)
        {
            throw new WebhookCallException($"received invalid webhook response: {e.Message}");
        }
        if (reply?["apiVersion"]?.GetValue<string>() != "admission.k8s.io/v1" || reply["kind"]?.GetValue<string>() != "AdmissionReview")
        {
            throw new WebhookCallException($"received invalid webhook response: expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got {reply?["apiVersion"]}, Kind={reply?["kind"]}");
        }
        if (reply["response"] is not JsonObject response)
        {
            throw new WebhookCallException("received invalid webhook response: webhook response was absent");
        }
        if (response["uid"]?.GetValue<string>() != uid)
        {
            throw new WebhookCallException($"received invalid webhook response: expected response.uid=\"{uid}\", got \"{response["uid"]}\"");
        }
        return response;
    }

    private static JsonObject Review(string uid, ResourceKind kind, string operation, string? subresource, JsonObject item, JsonObject? old, bool dryRun)
    {
        var kindJson = new JsonObject { ["group"] = kind.Group, ["version"] = kind.Version, ["kind"] = kind.Kind };
        var resourceJson = new JsonObject { ["group"] = kind.Group, ["version"] = kind.Version, ["resource"] = kind.Plural };
        var request = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = kindJson,
            ["resource"] = resourceJson,
            ["requestKind"] = kindJson.DeepClone(),
            ["requestResource"] = resourceJson.DeepClone(),
        };
        if (subresource is not null)
        {
            request["subResource"] = subresource;
            request["requestSubResource"] = subresource;
        }
        if (item["metadata"]?["name"]?.GetValue<string>() is { Length: > 0 } name)
        {
            request["name"] = name;
        }
        if (item["metadata"]?["namespace"]?.GetValue<string>() is { Length: > 0 } ns)
        {
            request["namespace"] = ns;
        }
        request["operation"] = operation;
        request["userInfo"] = new JsonObject
        {
            ["username"] = "kubernetes-admin",
            ["groups"] = new JsonArray("system:masters", "system:authenticated"),
        };
        request["object"] = item.DeepClone();
        request["oldObject"] = old?.DeepClone();
        request["dryRun"] = dryRun;
        request["options"] = new JsonObject
        {
            ["kind"] = operation == "CREATE" ? "CreateOptions" : "UpdateOptions",
            ["apiVersion"] = "meta.k8s.io/v1",
        };
        return new JsonObject { ["kind"] = "AdmissionReview", ["apiVersion"] = "admission.k8s.io/v1", ["request"] = request };
    }

    private static Dictionary<string, string> LabelsOf(JsonObject item) =>
        (item["metadata"]?["labels"] as JsonObject ?? []).ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "");

    [LoggerMessage(Level = LogLevel.Information, Message = "mock kube-apiserver: webhook {Webhook} could not be called: {Reason}")]
    private static partial void LogCallFailed(ILogger logger, string webhook, string reason);
}
