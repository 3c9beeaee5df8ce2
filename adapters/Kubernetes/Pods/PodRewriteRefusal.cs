namespace Federation.Adapters.Kubernetes.Pods;

/// <summary>A pod the runtime form cannot hold (several app containers, host networking, a privileged app, ...); the message is one line for the person who applied it.</summary>
public sealed class PodRewriteRefusal(string message) : Exception(message);
