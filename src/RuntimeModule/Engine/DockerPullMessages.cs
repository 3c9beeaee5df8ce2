using System.Threading.Channels;
using Docker.DotNet.Models;
using Federation.V1;

namespace Federation.RuntimeModule.Engine;

/// <summary>Docker's pull output as it arrives: each step forwarded as progress, the first error kept.</summary>
/// <remarks>Reports synchronously (unlike <see cref="Progress{T}"/>), so steps keep their order and none comes after the pull returned.</remarks>
public sealed class DockerPullMessages(ChannelWriter<PullImageProgress> progress) : IProgress<JSONMessage>
{
    private string? error;

    /// <summary>The first error Docker reported in the stream, if any.</summary>
    public string? Error => Volatile.Read(ref error);

    public void Report(JSONMessage value)
    {
        var message = value.Error?.Message is { Length: > 0 } e ? e : value.ErrorMessage;
        if (!string.IsNullOrEmpty(message))
        {
            Interlocked.CompareExchange(ref error, message, null);
            return;
        }
        progress.TryWrite(new PullImageProgress
        {
            Status = value.Status ?? "",
            Layer = value.ID ?? "",
            CurrentBytes = (ulong)Math.Max(0, value.Progress?.Current ?? 0),
            TotalBytes = (ulong)Math.Max(0, value.Progress?.Total ?? 0),
        });
    }
}
