using Federation.Common;
using Federation.V1;
using Grpc.Core;

namespace Federation.SyncModule.Receiver;

/// <summary>The gRPC face of <see cref="SyncReceiver"/>: reads messages, calls the receiver, writes replies.</summary>
public sealed class SyncService(SyncReceiver receiver) : Sync.SyncBase
{
    public override async Task Offer(IAsyncStreamReader<OfferPart> requestStream, IServerStreamWriter<NeedPart> responseStream,
        ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellationToken)) throw FederationException.InvalidArgument("the offer is empty");
        var session = await receiver.OfferAsync(requestStream.Current, requestStream.ReadAllAsync(cancellationToken), cancellationToken);
        await responseStream.WriteAsync(new NeedPart { Opened = new TransferOpened { TransferId = session.Id } }, cancellationToken);
        await WriteNeedsAsync(session, responseStream, cancellationToken);
    }

    public override async Task Resume(ResumeRequest request, IServerStreamWriter<NeedPart> responseStream, ServerCallContext context)
    {
        var session = receiver.Find(request.TransferId);
        await WriteNeedsAsync(session, responseStream, context.CancellationToken);
    }

    public override async Task Push(IAsyncStreamReader<PushMessage> requestStream, IServerStreamWriter<PushReply> responseStream,
        ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        if (!await requestStream.MoveNext(cancellationToken) || requestStream.Current.PartCase != PushMessage.PartOneofCase.TransferId)
            throw FederationException.InvalidArgument("a push must start with its transfer id");
        var session = receiver.Find(requestStream.Current.TransferId);
        await session.Prepared.WaitAsync(cancellationToken);
        using var decompressor = new BlockDecompressor();
        await foreach (var message in requestStream.ReadAllAsync(cancellationToken))
        {
            if (message.PartCase != PushMessage.PartOneofCase.Block) throw FederationException.InvalidArgument("expected a chunk block");
            var reply = await receiver.AcceptBlockAsync(session, message.Block, decompressor, cancellationToken);
            await responseStream.WriteAsync(reply, cancellationToken);
        }
    }

    public override Task<CompleteResponse> Complete(CompleteRequest request, ServerCallContext context) =>
        receiver.CompleteAsync(request.TransferId, context.CancellationToken);

    private async Task WriteNeedsAsync(TransferSession session, IServerStreamWriter<NeedPart> responseStream, CancellationToken cancellationToken)
    {
        var summary = await receiver.WaitPreparedAsync(session, cancellationToken);
        foreach (var needs in session.Needs())
            await responseStream.WriteAsync(new NeedPart { Needs = needs }, cancellationToken);
        await responseStream.WriteAsync(new NeedPart { Summary = summary }, cancellationToken);
    }
}
