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
        var messages = new List<JSONMessage>();
        var load = Task.Run(async () =>
        {
            await using var input = pipe.Reader.AsStream();
            await docker.Client.Images.LoadImageAsync(new ImageLoadParameters { Quiet = true }, input,
                new Progress<JSONMessage>(m => { lock (messages) messages.Add(m); }), ct);
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
            var error = messages.FirstOrDefault(m => m.Error is not null || !string.IsNullOrEmpty(m.ErrorMessage));
            if (error is not null) throw FederationException.InvalidArgument($"image load refused: {error.ErrorMessage ?? error.Error?.Message}");
            response.Images.AddRange(messages
                .Select(m => m.Stream?.Trim() ?? "")
                .Where(s => s.StartsWith("Loaded image", StringComparison.Ordinal))
                .Select(s => s[(s.IndexOf(':') + 1)..].Trim()));
        }
        if (response.Bytes == 0) throw FederationException.InvalidArgument("image load: no data was sent");
        return response;
    }
}
