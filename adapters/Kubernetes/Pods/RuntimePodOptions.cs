namespace Federation.Adapters.Kubernetes.Pods;

/// <summary>How runtime pods are formed in this cluster (from <see cref="KubernetesSettings"/>).</summary>
public sealed record RuntimePodOptions
{
    public const string ModulesInImage = "image";
    public const string ModulesOnHostPath = "hostPath";
    public const int EnginePort = 50051;
    public const string StatePath = "/var/lib/federation";
    public const string ModulePath = "/opt/federation/runtime";
    /// <summary>Where .NET is in the engine image when the modules come from the image.</summary>
    public const string ImageDotnetRoot = "/opt/federation/dotnet";

    public required string RuntimeImage { get; init; }
    public string EngineImage { get; init; } = "";
    public string ModuleSource { get; init; } = ModulesInImage;
    public string ModuleDirectory { get; init; } = "";
    public string DotnetRoot { get; init; } = "";
    public bool MemoryBackedState { get; init; } = true;
    public bool Privileged { get; init; } = true;
    public string EngineSecretName { get; init; } = "federation-engine-credential";

    public bool ModulesFromHost => ModuleSource == ModulesOnHostPath;

    /// <summary>Where .NET is inside the Engine and Ambassador containers.</summary>
    public string DotnetInContainer => ModulesFromHost ? DotnetRoot : ImageDotnetRoot;

    public string EngineImageOrRuntime => string.IsNullOrEmpty(EngineImage) ? RuntimeImage : EngineImage;
}
