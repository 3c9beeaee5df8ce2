using System.Diagnostics;
using Federation.Common;
using Federation.V1;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Runs the read-only code paths of an app's registration once, when the Engine starts and its dockerd answers (the registry,
/// the app containers, the image check, the spec's JSON), so that the first CreateApp of a target, which a migration waits for,
/// is not the one that loads and compiles them. Nothing is written; bounded; a failure is only logged. Then the transfer path
/// (<see cref="TransferWarmUp"/>).
/// </summary>
public sealed partial class EngineWarmUp(RuntimeProber prober, AppRegistry registry, AppContainers containers, AppDescriber describer,
    TransferWarmUp transfers, ILogger<EngineWarmUp> logger) : BackgroundService
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private const int MaxPolls = 600;
    private const string Absent = "federation-warm-up-absent";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            for (var poll = 0; poll < MaxPolls && !(await prober.ProbeAsync(null, stoppingToken)).DockerReady; poll++)
                await Task.Delay(PollInterval, stoppingToken);
            var watch = Stopwatch.StartNew();
            var spec = new AppSpec { Name = Absent, Image = $"{Absent}:none", Ports = { new PortMapping { ContainerPort = 80 } } };
            AppSpecValidator.Validate(JsonParser.Default.Parse<AppSpec>(JsonFormatter.Default.Format(spec)));
            await registry.GetAsync(Absent, stoppingToken);
            await registry.FencedBelowAsync(Absent, stoppingToken);
            await containers.FindAsync(Absent, stoppingToken);
            await describer.ListAsync(stoppingToken);
            try
            {
                await containers.EnsureImagesAsync(spec, stoppingToken);
            }
            catch (FederationException) { }
            LogWarmed(logger, (long)watch.Elapsed.TotalMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
        catch (Exception e) when (e is FederationException or IOException or Docker.DotNet.DockerApiException or HttpRequestException)
        {
            LogFailed(logger, e.Message);
        }
        // Then the transfer path: after dockerd's start, which the runtime's start waits for.
        if (!stoppingToken.IsCancellationRequested) await transfers.RunQuietlyAsync(stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "engine warmed up in {Milliseconds} ms")]
    private static partial void LogWarmed(ILogger logger, long milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "engine warm-up failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
