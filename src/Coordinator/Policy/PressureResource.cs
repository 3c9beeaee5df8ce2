namespace Federation.Coordinator.Policy;

/// <summary>What a cluster's pressure is measured in: CPU in use, memory in use, or workloads against the slots (each 0..1).</summary>
public enum PressureResource
{
    Cpu,
    Memory,
    Workloads,
}
