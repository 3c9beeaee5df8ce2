using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Federation.Adapters;

/// <summary>
/// What a coordinator host needs to offer one adapter kind: its registration (which calls
/// <see cref="AdapterRegistration.AddOrchestratorAdapter"/>) and the short command-line switches of its settings.
/// </summary>
/// <param name="Kind">The kind it registers ("docker", "kubernetes", ...).</param>
/// <param name="Register">Adds the adapter's services; reads its own settings from the configuration.</param>
/// <param name="Switches">Switch -> configuration key ("--runtime-image" -> "Coordinator:Adapter:RuntimeImage").</param>
public sealed record AdapterModule(string Kind, Action<IServiceCollection, IConfiguration> Register, IReadOnlyDictionary<string, string> Switches);
