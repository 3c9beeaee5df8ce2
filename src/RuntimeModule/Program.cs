using Federation;
using Federation.Common;
using Federation.Common.Auth;
using Federation.RuntimeModule;
using Federation.RuntimeModule.Ambassador;
using Federation.RuntimeModule.DockerApi;
using Federation.RuntimeModule.Engine;
using Federation.SyncModule.Hosting;
using Federation.V1;
using Google.Protobuf;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// Two roles from one binary, each its own container beside the runtime:
//   engine      the gRPC Engine on FEDERATION_ENGINE_PORT (default 50051)
//   ambassador  runs the app given in FEDERATION_APP_SPEC (AppSpec as JSON) in FEDERATION_START_MODE
//               (active|passive) and exits with its exit code
var role = args.FirstOrDefault();
var options = RuntimeModuleOptions.FromEnvironment();
try
{
    options.Validate();
    return role switch
    {
        "engine" => await RunEngineAsync(options, args[1..]),
        "ambassador" => await RunAmbassadorAsync(options),
        _ => Usage(),
    };
}
catch (FederationException e)
{
    Console.Error.WriteLine($"federation-runtime: {e.Message}");
    return 2;
}

static int Usage()
{
    Console.Error.WriteLine("usage: Federation.RuntimeModule engine | ambassador   (configured through FEDERATION_* environment variables)");
    return 64;
}

static async Task<int> RunEngineAsync(RuntimeModuleOptions options, string[] args)
{
    if (options.EngineToken.Length == 0 && !options.InsecureEngine)
        throw FederationException.FailedPrecondition(
            "FEDERATION_ENGINE_TOKEN is not set: the Engine serves only the coordinator holding its credential (FEDERATION_ENGINE_INSECURE=1 serves anyone)");
    if (options.EngineToken.Length == 0)
        Console.Error.WriteLine("federation-runtime: WARNING: FEDERATION_ENGINE_INSECURE=1: the Engine answers anyone who reaches its port");
    var builder = WebApplication.CreateSlimBuilder(args);
    builder.WebHost.ConfigureKestrel(k => k.ListenAnyIP(options.EnginePort, l => l.Protocols = HttpProtocols.Http2));
    builder.Services.AddRuntimeModule(options);
    builder.Services.AddFederationSync(sync => sync.RootDirectory = options.CheckpointDirectory);
    builder.Services.AddGrpc().AddServiceOptions<EngineService>(o =>
    {
        // The credential first: a caller without it learns nothing, not even whether an app exists.
        if (options.EngineToken.Length > 0) o.Interceptors.Add<BearerTokenInterceptor>(options.EngineToken, "the Engine");
        o.Interceptors.Add<ErrorMappingInterceptor>();
    });
    // The page tunnel's end answers without the Engine's credential: the key of the lazy restore it joins is its credential.
    builder.Services.AddGrpc().AddServiceOptions<Federation.RuntimeModule.Engine.Lazy.LazyPagesService>(o => o.Interceptors.Add<ErrorMappingInterceptor>());
    builder.Services.AddGrpcReflection();
    builder.Services.AddHostedService<CriuKernelFeatureCache>();
    builder.Services.AddHostedService<EngineWarmUp>();
    builder.Services.AddSingleton<TransferWarmUp>();
    var app = builder.Build();
    app.MapGrpcService<EngineService>();
    app.MapFederationSync();
    app.MapGrpcService<Federation.RuntimeModule.Engine.Lazy.LazyPagesService>();
    app.MapGrpcReflectionService();
    await app.RunAsync();
    return 0;
}

static async Task<int> RunAmbassadorAsync(RuntimeModuleOptions options)
{
    var json = Environment.GetEnvironmentVariable("FEDERATION_APP_SPEC");
    if (string.IsNullOrEmpty(json)) throw FederationException.InvalidArgument("FEDERATION_APP_SPEC (the app spec as JSON) is not set");
    AppSpec spec;
    try
    {
        spec = JsonParser.Default.Parse<AppSpec>(json);
    }
    catch (InvalidProtocolBufferException e)
    {
        throw FederationException.InvalidArgument($"FEDERATION_APP_SPEC is not an AppSpec: {e.Message}");
    }
    var mode = (Environment.GetEnvironmentVariable("FEDERATION_START_MODE") ?? "active").ToLowerInvariant() switch
    {
        "active" => StartMode.Active,
        "passive" => StartMode.Passive,
        var other => throw FederationException.InvalidArgument($"FEDERATION_START_MODE '{other}' is not active or passive"),
    };

    var builder = Host.CreateApplicationBuilder();
    builder.Logging.ClearProviders().AddSimpleConsole(c => c.SingleLine = true);
    builder.Services.AddRuntimeModule(options);
    builder.Services.AddSingleton(sp => new AmbassadorRunner(
        sp.GetRequiredService<RuntimeProber>(), sp.GetRequiredService<AppCreator>(), sp.GetRequiredService<AppContainers>(),
        sp.GetRequiredService<AppRegistry>(), sp.GetRequiredService<DockerSocket>(),
        Console.Out, Console.Error, sp.GetRequiredService<ILogger<AmbassadorRunner>>()));
    using var host = builder.Build();
    using var stop = new CancellationTokenSource();
    using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
        System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
    try
    {
        return await host.Services.GetRequiredService<AmbassadorRunner>().RunAsync(spec, mode, stop.Token);
    }
    catch (OperationCanceledException) when (stop.IsCancellationRequested)
    {
        return 143;
    }
}
