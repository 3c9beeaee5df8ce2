namespace Federation.Adapters;

/// <summary>One adapter kind a host has registered (see <see cref="AdapterRegistration.AddOrchestratorAdapter"/>).</summary>
public sealed record AdapterKind(string Name);
