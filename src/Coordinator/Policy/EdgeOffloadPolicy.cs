namespace Federation.Coordinator.Policy;

/// <summary>
/// Edge offload: pressure of <see cref="Resource"/> above <see cref="Upper"/> for all of <see cref="Window"/> moves this cluster's
/// workloads that relieve it most to the reachable peer with the most headroom; below <see cref="Lower"/> for all of
/// <see cref="LowerWindow"/> brings them home. No workload moves twice within <see cref="Cooldown"/>.
/// </summary>
/// <param name="PriorityLabel">A workload's label holding its priority (an integer, default 0): lower priorities move first.</param>
/// <param name="OptOutLabel">A workload with this label set to "true" never moves by policy.</param>
public sealed record EdgeOffloadPolicy(
    PressureResource Resource,
    double Upper,
    TimeSpan Window,
    double Lower,
    TimeSpan LowerWindow,
    TimeSpan Cooldown,
    string PriorityLabel,
    string OptOutLabel);
