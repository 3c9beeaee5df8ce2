using Federation.V1;
using Grpc.Core;

namespace Federation.RuntimeModule.Engine;

/// <summary>The Engine gRPC service: argument plumbing over the classes that do the work.</summary>
public sealed class EngineService(
    RuntimeDescriber describer,
    RuntimeProber prober,
    ImageLoader images,
    ImagePuller puller,
    AppCreator creator,
    AppDescriber apps,
    AppUsageReader usage,
    AppCheckpointer checkpointer,
    AppRestorer restorer,
    AppRemover remover,
    AppFencing fencing,
    AppResumer resumer,
    CheckpointVolume volume,
    CheckpointTransfers transfers,
    Lazy.PageServing pages)
    : V1.Engine.EngineBase
{
    public override Task<DescribeResponse> Describe(DescribeRequest request, ServerCallContext context) =>
        describer.DescribeAsync(context.CancellationToken);

    public override Task<ProbeResponse> Probe(ProbeRequest request, ServerCallContext context) =>
        prober.ProbeAsync(request.App, context.CancellationToken);

    public override Task<LoadImageResponse> LoadImage(IAsyncStreamReader<LoadImageChunk> requestStream, ServerCallContext context) =>
        images.LoadAsync(requestStream, context.CancellationToken);

    public override async Task PullImage(PullImageRequest request, IServerStreamWriter<PullImageProgress> responseStream, ServerCallContext context)
    {
        await foreach (var progress in puller.PullAsync(request, context.CancellationToken))
            await responseStream.WriteAsync(progress, context.CancellationToken);
    }

    public override Task<App> CreateApp(CreateAppRequest request, ServerCallContext context) =>
        creator.CreateAsync(request.Spec, request.StartMode, context.CancellationToken);

    public override Task<App> GetApp(GetAppRequest request, ServerCallContext context) =>
        apps.GetAsync(request.Name, context.CancellationToken);

    public override async Task<ListAppsResponse> ListApps(ListAppsRequest request, ServerCallContext context) =>
        new() { Apps = { await apps.ListAsync(context.CancellationToken) } };

    public override Task<CheckpointResponse> Checkpoint(CheckpointRequest request, ServerCallContext context) =>
        checkpointer.CheckpointAsync(request, context.CancellationToken);

    public override Task<RestoreResponse> Restore(RestoreRequest request, ServerCallContext context) =>
        restorer.RestoreAsync(request.App, request.Checkpoint, request.Generation, request.LazyPagesKey, context.CancellationToken);

    public override Task<ListCheckpointsResponse> ListCheckpoints(ListCheckpointsRequest request, ServerCallContext context) =>
        Task.FromResult(new ListCheckpointsResponse { Checkpoints = { volume.List(request.App) } });

    public override Task<DeleteCheckpointResponse> DeleteCheckpoint(DeleteCheckpointRequest request, ServerCallContext context) =>
        Task.FromResult(new DeleteCheckpointResponse { Deleted = volume.Delete(request.App, request.Checkpoint) });

    public override async Task<RemoveAppResponse> RemoveApp(RemoveAppRequest request, ServerCallContext context) =>
        new() { Removed = await remover.RemoveAsync(request.Name, request.DeleteCheckpoints, context.CancellationToken) };

    public override Task<App> Fence(FenceAppRequest request, ServerCallContext context) =>
        fencing.FenceAsync(request.App, request.Generation, context.CancellationToken);

    public override Task<AppUsage> GetAppUsage(GetAppUsageRequest request, ServerCallContext context) =>
        usage.ReadAsync(request.Name, context.CancellationToken);

    public override Task<App> Resume(ResumeAppRequest request, ServerCallContext context) =>
        resumer.ResumeAsync(request.App, request.Generation, context.CancellationToken);

    public override Task<OpenTransferResponse> OpenTransfer(OpenTransferRequest request, ServerCallContext context) =>
        Task.FromResult(new OpenTransferResponse { Token = transfers.Open(request.App, request.Checkpoint) });

    public override async Task PushCheckpoint(PushCheckpointRequest request, IServerStreamWriter<TransferProgress> responseStream, ServerCallContext context)
    {
        await foreach (var progress in transfers.PushAsync(request, context.CancellationToken))
            await responseStream.WriteAsync(progress, context.CancellationToken);
    }

    public override async Task ServePages(ServePagesRequest request, IServerStreamWriter<PageServingProgress> responseStream, ServerCallContext context)
    {
        await foreach (var progress in pages.ServeAsync(request, context.CancellationToken))
            await responseStream.WriteAsync(progress, context.CancellationToken);
    }
}
