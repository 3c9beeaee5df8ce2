namespace Federation.Tests.Kube;

/// <summary>A pod the node cannot start as specified (the kubelet's CreateContainerConfigError): one line, shown in the container's waiting message.</summary>
public sealed class PodConfigException(string message) : Exception(message);
