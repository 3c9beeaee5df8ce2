using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Federation.Deploy.Tests;

/// <summary>
/// The least of a kube-apiserver that lets the real kubectl map and dry-run the manifests of deploy/: discovery of the
/// kinds they use (legacy discovery: /api, /apis, /api/v1, /apis/GROUP/VERSION) and 404 NotFound for every object, on
/// 127.0.0.1 (port 0). It stores nothing and records each request ("METHOD path").
/// </summary>
public sealed class DiscoveryApiServer : IAsyncDisposable
{
    private static readonly (string GroupVersion, (string Name, string Kind, bool Namespaced)[] Resources)[] Served =
    [
        ("v1", [("namespaces", "Namespace", false), ("serviceaccounts", "ServiceAccount", true), ("configmaps", "ConfigMap", true),
            ("persistentvolumeclaims", "PersistentVolumeClaim", true), ("services", "Service", true), ("secrets", "Secret", true),
            ("pods", "Pod", true), ("endpoints", "Endpoints", true), ("nodes", "Node", false)]),
        ("apps/v1", [("deployments", "Deployment", true), ("replicasets", "ReplicaSet", true), ("statefulsets", "StatefulSet", true)]),
        ("rbac.authorization.k8s.io/v1", [("clusterroles", "ClusterRole", false), ("clusterrolebindings", "ClusterRoleBinding", false),
            ("roles", "Role", true), ("rolebindings", "RoleBinding", true)]),
        ("admissionregistration.k8s.io/v1", [("mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false)]),
        ("networking.k8s.io/v1", [("networkpolicies", "NetworkPolicy", true)]),
    ];

    private readonly WebApplication app;
    private readonly List<string> requests = [];

    private DiscoveryApiServer(WebApplication app) => this.app = app;

    public Uri Address { get; private set; } = null!;

    public IReadOnlyList<string> Requests
    {
        get { lock (requests) return [.. requests]; }
    }

    public static async Task<DiscoveryApiServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var server = new DiscoveryApiServer(builder.Build());
        server.Map();
        await server.app.StartAsync();
        server.Address = new Uri(server.app.Urls.First());
        return server;
    }

    /// <summary>A kubeconfig for this server (plain HTTP, no credentials) in <paramref name="directory"/>.</summary>
    public string WriteKubeconfig(string directory)
    {
        var path = Path.Combine(directory, "kubeconfig");
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: discovery
                cluster:
                  server: {Address.ToString().TrimEnd('/')}
            users:
              - name: nobody
                user: {"{}"}
            contexts:
              - name: discovery
                context:
                  cluster: discovery
                  user: nobody
            current-context: discovery
            """);
        return path;
    }

    private void Map()
    {
        app.Use(async (context, next) =>
        {
            lock (requests) requests.Add($"{context.Request.Method} {context.Request.Path}");
            await next(context);
        });
        app.MapGet("/api", () => Json(new JsonObject
        {
            ["kind"] = "APIVersions",
            ["versions"] = new JsonArray("v1"),
            ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = Address.Authority }),
        }));
        app.MapGet("/apis", () => Json(new JsonObject
        {
            ["kind"] = "APIGroupList",
            ["apiVersion"] = "v1",
            ["groups"] = new JsonArray(Served.Where(s => s.GroupVersion.Contains('/')).Select(s =>
            {
                var version = new JsonObject { ["groupVersion"] = s.GroupVersion, ["version"] = s.GroupVersion.Split('/')[1] };
                return (JsonNode)new JsonObject
                {
                    ["name"] = s.GroupVersion.Split('/')[0],
                    ["versions"] = new JsonArray(version.DeepClone()),
                    ["preferredVersion"] = version,
                };
            }).ToArray()),
        }));
        app.MapGet("/api/v1", () => Resources("v1"));
        app.MapGet("/apis/{group}/{version}", (string group, string version) => Resources($"{group}/{version}"));
        app.MapFallback(() => Results.Json(new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["status"] = "Failure",
            ["reason"] = "NotFound",
            ["message"] = "not found",
            ["code"] = 404,
        }, statusCode: 404));
    }

    private static IResult Resources(string groupVersion)
    {
        var served = Served.FirstOrDefault(s => s.GroupVersion == groupVersion);
        if (served.Resources is null) return Results.NotFound();
        return Json(new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = groupVersion,
            ["resources"] = new JsonArray(served.Resources.Select(r => (JsonNode)new JsonObject
            {
                ["name"] = r.Name,
                ["singularName"] = r.Kind.ToLowerInvariant(),
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
            }).ToArray()),
        });
    }

    private static IResult Json(JsonObject body) => Results.Text(body.ToJsonString(JsonSerializerOptions.Default), "application/json");

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
