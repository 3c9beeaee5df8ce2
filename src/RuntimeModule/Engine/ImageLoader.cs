using System.IO.Pipelines;
using Docker.DotNet.Models;
using Federation.Common;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;
using Grpc.Core;

namespace Federation.RuntimeModule.Engine;

/// <summary>Pipes an image tarball arriving in chunks into the inner dockerd's image load, without buffering it whole.</summary>
public sealed class ImageLoader(DockerSocket docker)
{
    public async Task<LoadImageResponse> LoadAsync(IAsyncStreamReader<LoadImageChunk> chunks, CancellationToken ct)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20));
        var response = new LoadImageResponse();
        var messages = new Messages();
        var load = Task.Run(async () =>
        {
            await using var input = pipe.Reader.AsStream();
            await docker.Client.Images.LoadImageAsync(new ImageLoadParameters { Quiet = true }, input, messages, ct);
        }, ct);

        try
        {
            while (await chunks.MoveNext(ct))
            {
                var data = chunks.Current.Data;
                response.Bytes += (ulong)data.Length;
                await pipe.Writer.WriteAsync(data.Memory, ct);
            }
        }
        finally
        {
            await pipe.Writer.CompleteAsync();
        }
        try
        {
            await load;
        }
        catch (Docker.DotNet.DockerApiException e)
        {
            throw FederationException.InvalidArgument($"image load refused: {ErrorMappingInterceptor.OneLine(e.ResponseBody ?? e.Message)}");
        }
        lock (messages)
        {
            var error = messages.All.FirstOrDefault(m => m.Error is not null || !string.IsNullOrEmpty(m.ErrorMessage));
            if (error is not null) throw FederationException.InvalidArgument($"image load refused: {error.ErrorMessage ?? error.Error?.Message}");
            response.Images.AddRange(messages.All
                .Select(m => m.Stream?.Trim() ?? "")
                .Where(s => s.StartsWith("Loaded image", StringComparison.Ordinal))
                .Select(s => s[(s.IndexOf(':') + 1)..].Trim()));
        }
        if (response.Bytes == 0) throw FederationException.InvalidArgument("image load: no data was sent");
        return response;
    }

    /// <summary>
    /// The load's messages, kept as Docker.DotNet reports them, on the load's own thread: a <see cref="Progress{T}"/> would post
    /// each to the thread pool, so that the last one ("Loaded image: ...") could arrive after the load returned and the
    /// answer named no image.
    /// </summary>
    private sealed class Messages : IProgress<JSONMessage>
    {
        public List<JSONMessage> All { get; } = [];

        public void Report(JSONMessage value)
        {
            lock (this) All.Add(value);
        }
    }
}
