using System.Text.Json;
using System.Text.Json.Nodes;
using Federation.Adapters.Kubernetes.Pods;
using Federation.Adapters.Kubernetes.Webhook;

namespace Federation.Kubernetes.Tests;

/// <summary>AdmissionReviews as the API server sends them, and a small JSONPatch applier to read the answer back.</summary>
internal static class SampleReviews
{
    public static RuntimePodOptions Options(bool privileged = true, bool memory = true, string modules = RuntimePodOptions.ModulesInImage) => new()
    {
        RuntimeImage = "registry.test/federation/runtime:1",
        EngineImage = "registry.test/federation/engine:1",
        ModuleSource = modules,
        ModuleDirectory = "/opt/build/runtime",
        DotnetRoot = "/usr/share/dotnet",
        Privileged = privileged,
        MemoryBackedState = memory,
        EngineSecretName = "federation-engine-credential",
    };

    /// <summary>The testapp pod, as a user writes it (or a Deployment's template yields it).</summary>
    public static JsonObject CounterPod(bool annotated = true) => JsonNode.Parse($$"""
        {
          "apiVersion": "v1", "kind": "Pod",
          "metadata": {
            "name": "counter-7d9f", "namespace": "shop",
            "labels": { "app": "counter" },
            "annotations": { {{(annotated ? "\"federation.io/migratable\": \"true\", " : "")}}"team": "edge" },
            "ownerReferences": [ { "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "counter-7d9f", "uid": "u-1", "controller": true } ]
          },
          "spec": {
            "nodeSelector": { "kubernetes.io/arch": "amd64" },
            "containers": [ {
              "name": "counter", "image": "registry.test/testapp:1",
              "command": [ "/testapp" ], "args": [ "--port", "8080" ],
              "env": [ { "name": "MODE", "value": "count" } ],
              "ports": [ { "containerPort": 8080, "protocol": "TCP" } ],
              "resources": { "requests": { "memory": "128Mi" } },
              "volumeMounts": [ { "name": "data", "mountPath": "/data" },
                                { "name": "kube-api-access-x", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true } ]
            } ],
            "volumes": [ { "name": "data", "emptyDir": {} },
                         { "name": "kube-api-access-x", "projected": { "sources": [ { "serviceAccountToken": { "path": "token" } } ] } } ]
          }
        }
        """)!.AsObject();

    public static AdmissionReviewMessage Review(JsonObject pod, string operation = "CREATE") => new()
    {
        Request = new AdmissionRequestMessage
        {
            Uid = "d3adb33f-0000-4000-8000-000000000001",
            Kind = new GroupVersionKindMessage { Group = "", Version = "v1", Kind = "Pod" },
            Operation = operation,
            Namespace = "shop",
            Object = JsonDocument.Parse(pod.ToJsonString()).RootElement.Clone(),
        },
    };

    /// <summary>Applies a JSONPatch of "add"/"replace" on object members (what the webhook sends) to a copy of the document.</summary>
    public static JsonObject Apply(JsonObject document, JsonArray patch)
    {
        var result = JsonNode.Parse(document.ToJsonString())!.AsObject();
        foreach (var operation in patch.Select(o => o!.AsObject()))
        {
            var op = operation["op"]!.GetValue<string>();
            Assert.That(op, Is.AnyOf("add", "replace"), "the webhook sets whole members only");
            var path = operation["path"]!.GetValue<string>().Split('/').Skip(1).Select(p => p.Replace("~1", "/").Replace("~0", "~")).ToList();
            JsonObject parent = result;
            foreach (var segment in path.SkipLast(1)) parent = parent[segment]!.AsObject();
            if (op == "replace") Assert.That(parent.ContainsKey(path[^1]), $"replace of a missing member {operation["path"]}");
            parent[path[^1]] = operation["value"]?.DeepClone();
        }
        return result;
    }
}
