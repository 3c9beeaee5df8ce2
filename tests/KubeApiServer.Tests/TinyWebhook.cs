using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Federation.Tests.Kube.Tests;

/// <summary>
/// A tiny HTTPS mutating webhook for the admission tests, answering by pod name: "deny-*" is refused, "break-*"
/// gets a patch that removes the image (the server must re-validate), "slow-*" never answers (until the caller
/// gives up); any other pod gets a label, an annotation, an env var and a second container.
/// </summary>
public sealed class TinyWebhook : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly List<JsonObject> reviews = [];

    private TinyWebhook(WebApplication app) => this.app = app;

    public string Url { get; private set; } = "";

    public IReadOnlyList<JsonObject> Reviews
    {
        get
        {
            lock (reviews)
            {
                return [.. reviews];
            }
        }
    }

    public static async Task<TinyWebhook> StartAsync(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certificate)));
        var app = builder.Build();
        var hook = new TinyWebhook(app);
        app.Run(hook.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        hook.Url = $"https://127.0.0.1:{new Uri(address).Port}/mutate";
        return hook;
    }

    private async Task HandleAsync(HttpContext http)
    {
        var review = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
        lock (reviews)
        {
            reviews.Add(review);
        }
        var request = review["request"]!;
        var uid = request["uid"]!.GetValue<string>();
        var pod = request["object"]!;
        var name = pod["metadata"]?["name"]?.GetValue<string>() ?? "";
        JsonObject response;
        if (name.StartsWith("slow-", StringComparison.Ordinal))
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            bounded.CancelAfter(TimeSpan.FromSeconds(30));
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, bounded.Token);
            }
            catch (OperationCanceledException)
            {
            }
            return;
        }
        if (name.StartsWith("deny-", StringComparison.Ordinal))
        {
            response = new JsonObject { ["uid"] = uid, ["allowed"] = false, ["status"] = new JsonObject { ["message"] = "pods named deny-* are not migratable", ["code"] = 403 } };
        }
        else
        {
            var patch = name.StartsWith("break-", StringComparison.Ordinal)
                ? new JsonArray(new JsonObject { ["op"] = "remove", ["path"] = "/spec/containers/0/image" })
                : Rewrite(pod);
            response = new JsonObject
            {
                ["uid"] = uid,
                ["allowed"] = true,
                ["patchType"] = "JSONPatch",
                ["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(patch.ToJsonString())),
            };
        }
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response }.ToJsonString());
    }

    private static JsonArray Rewrite(JsonNode pod)
    {
        var operations = new JsonArray();
        if (pod["metadata"]?["labels"] is null)
        {
            operations.Add(new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels", ["value"] = new JsonObject() });
        }
        operations.Add(new JsonObject { ["op"] = "add", ["path"] = "/metadata/labels/federation.io~1rewritten", ["value"] = "true" });
        if (pod["metadata"]?["annotations"] is null)
        {
            operations.Add(new JsonObject { ["op"] = "add", ["path"] = "/metadata/annotations", ["value"] = new JsonObject() });
        }
        operations.Add(new JsonObject { ["op"] = "add", ["path"] = "/metadata/annotations/federation.io~1runtime", ["value"] = "dind" });
        operations.Add(new JsonObject { ["op"] = "add", ["path"] = "/spec/containers/0/env", ["value"] = new JsonArray(new JsonObject { ["name"] = "FEDERATION", ["value"] = "1" }) });
        operations.Add(new JsonObject
        {
            ["op"] = "add",
            ["path"] = "/spec/containers/-",
            ["value"] = new JsonObject { ["name"] = "ambassador", ["image"] = "registry.local/ambassador:1" },
        });
        return operations;
    }

    public async ValueTask DisposeAsync()
    {
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await app.StopAsync(bounded.Token);
        await app.DisposeAsync();
    }
}
