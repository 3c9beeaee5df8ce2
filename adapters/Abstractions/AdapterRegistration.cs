using Microsoft.Extensions.DependencyInjection;

namespace Federation.Adapters;

/// <summary>
/// How an adapter plugs into a coordinator host: it registers its orchestrator and traffic seams under
/// its kind; the coordinator resolves the pair of the configured kind. A host may register several
/// kinds; only the configured one is ever built.
/// </summary>
public static class AdapterRegistration
{
    public static IServiceCollection AddOrchestratorAdapter(this IServiceCollection services, string kind,
        Func<IServiceProvider, IOrchestratorAdapter> adapter, Func<IServiceProvider, ITrafficSwitch> traffic)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        services.AddSingleton(new AdapterKind(kind));
        services.AddKeyedSingleton(kind, (sp, _) => adapter(sp));
        services.AddKeyedSingleton(kind, (sp, _) => traffic(sp));
        return services;
    }

    /// <summary>
    /// Registers HTTP endpoints the adapter of <paramref name="kind"/> serves on a listener of their own (see
    /// <see cref="AdapterHttpEndpoints"/>); built only when that kind runs. <paramref name="endpoints"/> returns null when
    /// the adapter's settings ask for none.
    /// </summary>
    public static IServiceCollection AddAdapterHttpEndpoints(this IServiceCollection services, string kind, Func<IServiceProvider, AdapterHttpEndpoints?> endpoints)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        services.AddKeyedSingleton(kind, (sp, _) => new AdapterHttpEndpointsSource(endpoints(sp)));
        return services;
    }
}

/// <summary>What an adapter kind registered through <see cref="AdapterRegistration.AddAdapterHttpEndpoints"/> (null: no endpoints).</summary>
public sealed record AdapterHttpEndpointsSource(AdapterHttpEndpoints? Endpoints);
