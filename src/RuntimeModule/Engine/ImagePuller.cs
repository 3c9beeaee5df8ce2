using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Docker.DotNet;
using Docker.DotNet.Models;
using Federation.Common;
using Federation.RuntimeModule.DockerApi;
using Federation.V1;
using Microsoft.Extensions.Logging;

namespace Federation.RuntimeModule.Engine;

/// <summary>
/// Answers PullImage: the inner dockerd pulls an image from its registry (the registry's CA installed first),
/// Docker's progress streamed as it comes. An image the runtime has (by its reference, tag or digest) is not pulled
/// again. Pulls from one registry take turns, so a failed pull that takes back its CA never takes it from another.
/// </summary>
public sealed partial class ImagePuller(DockerSocket docker, RegistryTrust trust, ILogger<ImagePuller> logger)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromHours(1);
    private readonly KeyedLocks registries = new();

    public async IAsyncEnumerable<PullImageProgress> PullAsync(PullImageRequest request, [EnumeratorCancellation] CancellationToken ct)
    {
        var image = ImageName.Parse(request.Image);
        var timeout = TimeoutOf(request);
        var auth = AuthOf(request.Credentials, image);
        using var turn = await registries.LockAsync(image.RegistryOrDefault, ct);
        if (await FindAsync(request.Image, ct) is { } present)
        {
            LogAlreadyPresent(logger, image.ToString(), present.ID);
            yield return Done(present, alreadyPresent: true);
            yield break;
        }
        var installed = string.IsNullOrEmpty(request.RegistryCaPem) ? null : await trust.InstallAsync(image.RegistryOrDefault, request.RegistryCaPem, ct);
        // Progress is informational: a slow reader loses old steps, never the outcome (it ends the stream).
        var progress = Channel.CreateBounded<PullImageProgress>(new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });
        var pull = Task.Run(() => RunAsync(request.Image, image, auth, timeout, installed, progress.Writer, ct), CancellationToken.None);
        await foreach (var step in progress.Reader.ReadAllAsync(ct)) yield return step;
        await pull;
    }

    private async Task RunAsync(string reference, ImageName image, AuthConfig? auth, TimeSpan timeout, InstalledCa? installed,
        ChannelWriter<PullImageProgress> progress, CancellationToken ct)
    {
        var pulled = false;
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(timeout);
            var messages = new DockerPullMessages(progress);
            LogPulling(logger, image.ToString());
            try
            {
                await docker.Client.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = image.Name, Tag = image.TagOrDigest },
                    auth, messages, limit.Token);
            }
            catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw FederationException.Unavailable($"pull of {image} did not finish within {timeout.TotalSeconds:F0} s");
            }
            catch (DockerApiException e)
            {
                throw PullFailure.Of(image, e.ResponseBody is { Length: > 0 } body ? PullFailure.MessageOf(body) : e.Message);
            }
            if (messages.Error is { } error) throw PullFailure.Of(image, error);
            var found = await FindAsync(reference, ct)
                ?? throw FederationException.Unavailable($"pull of {image} ended but the runtime does not have the image");
            pulled = true;
            LogPulled(logger, image.ToString(), found.ID);
            progress.TryWrite(Done(found, alreadyPresent: false));
            progress.TryComplete();
        }
        catch (Exception e)
        {
            // Taken back before the caller hears of the failure: what it looks at then is what the failure left.
            if (!pulled && installed is not null) RegistryTrust.Uninstall(installed);
            if (e is FederationException fe) LogPullFailed(logger, image.ToString(), fe.Message);
            progress.TryComplete(e);
        }
    }

    private async Task<ImageInspectResponse?> FindAsync(string reference, CancellationToken ct)
    {
        try
        {
            return await docker.Client.Images.InspectImageAsync(reference, ct);
        }
        catch (DockerImageNotFoundException)
        {
            return null;
        }
    }

    private static PullImageProgress Done(ImageInspectResponse image, bool alreadyPresent) => new()
    {
        Status = alreadyPresent ? "Image is already present" : "Pulled",
        Completed = true,
        AlreadyPresent = alreadyPresent,
        ImageId = image.ID ?? "",
        RepoDigests = { image.RepoDigests ?? [] },
    };

    private static TimeSpan TimeoutOf(PullImageRequest request)
    {
        if (request.Timeout is null) return DefaultTimeout;
        var timeout = request.Timeout.ToTimeSpan();
        if (timeout < TimeSpan.Zero || timeout > MaxTimeout)
            throw FederationException.InvalidArgument($"pull timeout must be between 0 (the default, {DefaultTimeout.TotalMinutes:F0} minutes) and {MaxTimeout.TotalMinutes:F0} minutes");
        return timeout == TimeSpan.Zero ? DefaultTimeout : timeout;
    }

    private static AuthConfig? AuthOf(RegistryCredentials? credentials, ImageName image)
    {
        if (credentials is null || (credentials.Username.Length == 0 && credentials.Password.Length == 0 && credentials.IdentityToken.Length == 0)) return null;
        if (credentials.IdentityToken.Length == 0 && (credentials.Username.Length == 0 || credentials.Password.Length == 0))
            throw FederationException.InvalidArgument("registry credentials need a username and a password, or an identity token");
        return new AuthConfig
        {
            Username = credentials.Username,
            Password = credentials.Password,
            IdentityToken = credentials.IdentityToken,
            ServerAddress = image.RegistryOrDefault,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "image {Image} is already here ({Id}): not pulled")]
    private static partial void LogAlreadyPresent(ILogger logger, string image, string id);

    [LoggerMessage(Level = LogLevel.Information, Message = "pulling image {Image}")]
    private static partial void LogPulling(ILogger logger, string image);

    [LoggerMessage(Level = LogLevel.Information, Message = "pulled image {Image} ({Id})")]
    private static partial void LogPulled(ILogger logger, string image, string id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "pull of image {Image} failed: {Reason}")]
    private static partial void LogPullFailed(ILogger logger, string image, string reason);
}
