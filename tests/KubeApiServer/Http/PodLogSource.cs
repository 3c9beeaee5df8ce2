namespace Federation.Tests.Kube.Http;

/// <summary>
/// Where <c>GET .../pods/{name}/log</c> gets a container's output (on a real cluster the API server asks the pod's kubelet):
/// the container's stdout and stderr so far, or null when it has not started.
/// </summary>
public delegate Task<string?> PodLogSource(string ns, string pod, string container, CancellationToken cancellationToken);
