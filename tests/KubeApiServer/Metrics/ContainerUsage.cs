namespace Federation.Tests.Kube.Metrics;

/// <summary>One reading: CPU (cores, as a quantity: "250m", "1500000n") and memory working set ("64Mi").</summary>
public sealed record ContainerUsage(string Cpu, string Memory);
