using System.Text;
using System.Text.Json.Nodes;
using Federation.Tests.Harness;
using Federation.Tests.Kube.Admission;
using Federation.Tests.Kube.Faults;
using Federation.Tests.Kube.Http;
using Federation.Tests.Kube.Resources;
using Federation.Tests.Kube.Store;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Federation.Tests.Kube;

/// <summary>
/// An in-process kube-apiserver for tests: Kestrel on 127.0.0.1 (port 0), the real REST paths and documented
/// shapes, bodies parsed into the official k8s.Models types and refused where the real server refuses them,
/// one global resourceVersion, chunked watch streams with 410 Gone, mutating admission webhooks, discovery and
/// enough OpenAPI for kubectl. It is a pure API server: nothing runs pods or reconciles workloads.
/// Test hooks: <see cref="DropWatches"/>, <see cref="CompactHistory"/>, <see cref="FailNext"/>, <see cref="Hang"/>,
/// <see cref="SendBookmarks"/>, <see cref="StopAsync"/> and the <see cref="Requests"/> log.
/// </summary>
public sealed class KubeApiServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly KubeApiEndpoint endpoint;
    private readonly RestOperations operations;
    private readonly ObjectStore store;
    private readonly FaultInjector faults;
    private readonly ServingCertificate? certificate;
    private readonly CancellationTokenSource stopping = new();
    private bool stopped;

    private KubeApiServer(KubeApiServerOptions options, WebApplication app, KubeApiEndpoint endpoint, RestOperations operations, ObjectStore store, FaultInjector faults, ServingCertificate? certificate)
    {
        Options = options;
        this.app = app;
        this.endpoint = endpoint;
        this.operations = operations;
        this.store = store;
        this.faults = faults;
        this.certificate = certificate;
        endpoint.Stopping = stopping.Token;
        operations.Stopping = stopping.Token;
        Profile = FlavorProfile.For(options.Flavor);
    }

    public KubeApiServerOptions Options { get; }

    public KubeFlavor Flavor => Options.Flavor;

    public FlavorProfile Profile { get; }

    /// <summary>http://127.0.0.1:PORT/ (or https://).</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The CA certificate (PEM) of the HTTPS mode; null for plain HTTP.</summary>
    public string? CertificateAuthorityPem => certificate?.AuthorityPem;

    /// <summary>The readings the metrics API serves (set them in tests); null unless <see cref="KubeApiServerOptions.MetricsApi"/>.</summary>
    public Metrics.MetricsReadings? Metrics { get; private set; }

    /// <summary>Every request so far: verb, path with query, body, status.</summary>
    public IReadOnlyList<RecordedRequest> Requests => endpoint.Requests;

    /// <summary>The current global resourceVersion.</summary>
    public long ResourceVersion => store.Revision;

    /// <summary>How many watch streams are open now.</summary>
    public int OpenWatches => store.OpenWatches;

    /// <summary>What answers <c>GET .../pods/{name}/log</c> (the test cluster's node agent); unset: every container is "waiting to start".</summary>
    public PodLogSource? PodLogs
    {
        get => endpoint.PodLogs;
        set => endpoint.PodLogs = value;
    }

    public static Task<KubeApiServer> StartAsync(KubeFlavor flavor, CancellationToken cancellationToken) =>
        StartAsync(new KubeApiServerOptions { Flavor = flavor, NodeName = flavor == KubeFlavor.K3s ? "k3s-node-1" : "node-1" }, cancellationToken);

    public static async Task<KubeApiServer> StartAsync(KubeApiServerOptions options, CancellationToken cancellationToken)
    {
        var certificate = options.UsesHttps ? ServingCertificate.Create() : null;
        var profile = FlavorProfile.For(options.Flavor);
        var catalog = new ResourceCatalog();
        var store = new ObjectStore(options.HistoryWindow);
        var context = new StrategyContext(profile, new ServiceAddressAllocator(profile));
        var faults = new FaultInjector();
        var admission = new WebhookAdmission(catalog, store, NullLogger<WebhookAdmission>.Instance);
        var operations = new RestOperations(catalog, store, context, admission, options);
        var endpoint = new KubeApiEndpoint(operations, new DiscoveryDocuments(catalog, profile), new OpenApiDocuments(catalog, profile),
            new WatchStreamer(store, options), faults, options, NullLogger<KubeApiEndpoint>.Instance);
        var app = LoopbackWebServer.Create(4 * 1024 * 1024, listen =>
        {
            if (certificate is not null)
            {
                listen.Protocols = HttpProtocols.Http1AndHttp2;
                listen.UseHttps(certificate.Server);
            }
            else
            {
                listen.Protocols = HttpProtocols.Http1;
            }
        }, endpoint.HandleAsync);
        var server = new KubeApiServer(options, app, endpoint, operations, store, faults, certificate);
        if (options.MetricsApi)
        {
            server.Metrics = new Metrics.MetricsReadings();
            endpoint.Metrics = new Metrics.MetricsApi(server.Metrics, catalog, store);
        }
        var port = await LoopbackWebServer.StartAsync(app, cancellationToken).ConfigureAwait(false);
        server.BaseAddress = new Uri($"{(certificate is null ? "http" : "https")}://127.0.0.1:{port}/");
        await server.SeedAsync(port, cancellationToken).ConfigureAwait(false);
        return server;
    }

    /// <summary>Writes a kubeconfig (cluster, user with the bearer token, context with namespace default) that kubectl and KubernetesClient accept.</summary>
    public string WriteKubeconfig(string path)
    {
        var name = Flavor == KubeFlavor.K3s ? "default" : "mock-kubernetes";
        var text = new StringBuilder();
        text.AppendLine("apiVersion: v1");
        text.AppendLine("kind: Config");
        text.AppendLine("clusters:");
        text.AppendLine($"- name: {name}");
        text.AppendLine("  cluster:");
        text.AppendLine($"    server: {BaseAddress.ToString().TrimEnd('/')}");
        if (certificate is not null)
        {
            text.AppendLine($"    certificate-authority-data: {Convert.ToBase64String(Encoding.ASCII.GetBytes(certificate.AuthorityPem))}");
        }
        text.AppendLine("contexts:");
        text.AppendLine($"- name: {name}");
        text.AppendLine("  context:");
        text.AppendLine($"    cluster: {name}");
        text.AppendLine($"    user: {name}");
        text.AppendLine("    namespace: default");
        text.AppendLine($"current-context: {name}");
        text.AppendLine("preferences: {}");
        text.AppendLine("users:");
        text.AppendLine($"- name: {name}");
        text.AppendLine("  user:");
        if (Options.BearerToken is { } token)
        {
            text.AppendLine($"    token: {token}");
        }
        else
        {
            // The server asks for no credentials; KubernetesClient still wants some in a kubeconfig.
            text.AppendLine("    username: admin");
            text.AppendLine("    password: admin");
        }
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>A KubernetesClient configuration for this server, without a file.</summary>
    public KubernetesClientConfiguration ClientConfiguration()
    {
        var configuration = new KubernetesClientConfiguration { Host = BaseAddress.ToString().TrimEnd('/'), AccessToken = Options.BearerToken };
        if (certificate is not null)
        {
            configuration.SslCaCerts = [certificate.Authority];
        }
        return configuration;
    }

    /// <summary>Closes every open watch stream mid-flight (the client sees the stream end).</summary>
    public void DropWatches() => store.CloseWatches();

    /// <summary>Forgets the change history: a watch from an older resourceVersion than now gets ERROR 410 Gone (Expired).</summary>
    public void CompactHistory() => store.Compact();

    /// <summary>Sends a BOOKMARK at the current resourceVersion to every open watch that allows bookmarks.</summary>
    public void SendBookmarks() => store.Bookmark();

    /// <summary>
    /// The next request with this verb (get, list, watch, create, update, patch, delete, deletecollection or *) on this
    /// resource ("pods", "pods/status", "deployments.apps" or *) fails with <paramref name="statusCode"/> and the
    /// real server's Status body for it (400, 401, 403, 404, 405, 409, 410, 422, 429, 500, 503, 504).
    /// </summary>
    public void FailNext(string verb, string resource, int statusCode) => faults.FailNext(verb, resource, statusCode);

    /// <summary>The next matching request hangs until the client gives up, <see cref="ReleaseHangs"/>, or <paramref name="limit"/> (then 504 Timeout).</summary>
    public void Hang(string verb, string resource, TimeSpan limit) => faults.Hang(verb, resource, limit);

    public void ReleaseHangs() => faults.ReleaseHangs();

    /// <summary>Stops listening (clients then get connection refused); open watches end first.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (stopped)
        {
            return;
        }
        stopped = true;
        stopping.Cancel();
        store.CloseWatches();
        faults.ReleaseHangs();
        await LoopbackWebServer.StopAsync(app, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
        certificate?.Dispose();
        stopping.Dispose();
    }

    // ---- direct store access for tests that want to arrange state without a client ----

    /// <summary>Creates an object through the full write path (validation, admission), as a POST would.</summary>
    public Task<JsonObject> CreateAsync(string group, string plural, string? ns, JsonObject body, CancellationToken cancellationToken) =>
        operations.CreateAsync(operations.Catalog.Get(group, plural), ns ?? "", body, new WriteOptions { FieldValidation = "Strict" }, cancellationToken);

    /// <summary>The stored object, or null.</summary>
    public JsonObject? Get(string group, string plural, string? ns, string name) =>
        store.Get(operations.Catalog.Get(group, plural), ns ?? "", name);

    private async Task SeedAsync(int port, CancellationToken cancellationToken)
    {
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" })
        {
            await CreateAsync("", "namespaces", null, Encode(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }), cancellationToken).ConfigureAwait(false);
        }
        await CreateAsync("", "nodes", null, Encode(Node()), cancellationToken).ConfigureAwait(false);
        await CreateAsync("", "services", "default", Encode(new V1Service
        {
            Metadata = new V1ObjectMeta
            {
                Name = "kubernetes",
                Labels = new Dictionary<string, string> { ["component"] = "apiserver", ["provider"] = "kubernetes" },
            },
            Spec = new V1ServiceSpec
            {
                ClusterIP = Profile.KubernetesServiceIP,
                Ports = [new V1ServicePort { Name = "https", Port = 443, TargetPort = port, Protocol = "TCP" }],
            },
        }), cancellationToken).ConfigureAwait(false);
        await CreateAsync("", "endpoints", "default", Encode(new V1Endpoints
        {
            Metadata = new V1ObjectMeta { Name = "kubernetes", Labels = new Dictionary<string, string> { ["endpointslice.kubernetes.io/skip-mirror"] = "true" } },
            Subsets = [new V1EndpointSubset
            {
                Addresses = [new V1EndpointAddress { Ip = "127.0.0.1" }],
                Ports = [new Corev1EndpointPort { Name = "https", Port = port, Protocol = "TCP" }],
            }],
        }), cancellationToken).ConfigureAwait(false);
        if (Flavor == KubeFlavor.K3s)
        {
            await CreateAsync("storage.k8s.io", "storageclasses", null, Encode(new V1StorageClass
            {
                Metadata = new V1ObjectMeta
                {
                    Name = "local-path",
                    Annotations = new Dictionary<string, string> { ["storageclass.kubernetes.io/is-default-class"] = "true" },
                },
                Provisioner = "rancher.io/local-path",
                ReclaimPolicy = "Delete",
                VolumeBindingMode = "WaitForFirstConsumer",
            }), cancellationToken).ConfigureAwait(false);
        }
    }

    private V1Node Node()
    {
        var labels = new Dictionary<string, string>
        {
            ["kubernetes.io/hostname"] = Options.NodeName,
            ["kubernetes.io/os"] = "linux",
            ["kubernetes.io/arch"] = "amd64",
            ["beta.kubernetes.io/os"] = "linux",
            ["beta.kubernetes.io/arch"] = "amd64",
            ["node-role.kubernetes.io/control-plane"] = Flavor == KubeFlavor.K3s ? "true" : "",
        };
        var annotations = new Dictionary<string, string>();
        if (Flavor == KubeFlavor.K3s)
        {
            labels["node.kubernetes.io/instance-type"] = "k3s";
            labels["beta.kubernetes.io/instance-type"] = "k3s";
            labels["node-role.kubernetes.io/master"] = "true";
            annotations["k3s.io/node-args"] = "[\"server\"]";
            annotations["k3s.io/internal-ip"] = Options.NodeInternalIP;
        }
        var resources = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(Options.NodeCpu),
            ["memory"] = new(Options.NodeMemory),
            ["pods"] = new("110"),
            ["ephemeral-storage"] = new("20Gi"),
        };
        var now = StrategyContext.Now;
        return new V1Node
        {
            Metadata = new V1ObjectMeta { Name = Options.NodeName, Labels = labels, Annotations = annotations.Count > 0 ? annotations : null },
            Spec = new V1NodeSpec { PodCIDR = "10.244.0.0/24", PodCIDRs = ["10.244.0.0/24"] },
            Status = new V1NodeStatus
            {
                Addresses =
                [
                    new V1NodeAddress { Type = "InternalIP", Address = Options.NodeInternalIP },
                    new V1NodeAddress { Type = "Hostname", Address = Options.NodeName },
                ],
                Capacity = resources,
                Allocatable = new Dictionary<string, ResourceQuantity>(resources),
                Conditions =
                [
                    new V1NodeCondition { Type = "Ready", Status = "True", Reason = "KubeletReady", Message = "kubelet is posting ready status", LastHeartbeatTime = now, LastTransitionTime = now },
                    new V1NodeCondition { Type = "MemoryPressure", Status = "False", Reason = "KubeletHasSufficientMemory", LastHeartbeatTime = now, LastTransitionTime = now },
                    new V1NodeCondition { Type = "DiskPressure", Status = "False", Reason = "KubeletHasNoDiskPressure", LastHeartbeatTime = now, LastTransitionTime = now },
                    new V1NodeCondition { Type = "PIDPressure", Status = "False", Reason = "KubeletHasSufficientPID", LastHeartbeatTime = now, LastTransitionTime = now },
                ],
                NodeInfo = new V1NodeSystemInfo
                {
                    Architecture = "amd64",
                    OperatingSystem = "linux",
                    OsImage = Profile.OsImage,
                    KernelVersion = Environment.OSVersion.Version.ToString(),
                    ContainerRuntimeVersion = Profile.ContainerRuntimeVersion,
                    KubeletVersion = Profile.KubeletVersion,
                    KubeProxyVersion = Profile.KubeletVersion,
                    MachineID = "0123456789abcdef0123456789abcdef",
                    SystemUUID = "00000000-0000-0000-0000-000000000001",
                    BootID = Guid.NewGuid().ToString(),
                },
            },
        };
    }

    private static JsonObject Encode(IKubernetesObject<V1ObjectMeta> model) => JsonNode.Parse(KubernetesJson.Serialize(model))!.AsObject();
}
