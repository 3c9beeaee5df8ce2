using System.Diagnostics;

namespace Federation.SyncModule.Sender;

/// <summary>Running totals of one send, shared by its streams, and the progress reports made from them.</summary>
internal sealed class SendCounters(SourceManifest manifest, IProgress<SyncProgress>? progress, TimeSpan interval, TimeSpan hashing)
{
    private readonly long started = Stopwatch.GetTimestamp();
    private long sendingStarted;
    private long lastReport;
    private long skippedBytes, sentBytes, chunkWireBytes, manifestBytes, chunksResent;
    private int filesCompleted;

    public SyncPhase Phase { get; private set; } = SyncPhase.Hashing;
    public long SkippedBytes => Interlocked.Read(ref skippedBytes);
    public long SentBytes => Interlocked.Read(ref sentBytes);
    public long ChunkWireBytes => Interlocked.Read(ref chunkWireBytes);
    public long ManifestBytes => Interlocked.Read(ref manifestBytes);
    public long ChunksResent => Interlocked.Read(ref chunksResent);
    /// <summary>Since the send began, hashing of the source included.</summary>
    public TimeSpan Elapsed => hashing + Stopwatch.GetElapsedTime(started);

    public void SetSkipped(long bytes) => Interlocked.Exchange(ref skippedBytes, bytes);
    public void AddManifest(long bytes) => Interlocked.Add(ref manifestBytes, bytes);
    public void AddResent(int chunks) => Interlocked.Add(ref chunksResent, chunks);
    public void AddFilesCompleted(int files) => Interlocked.Add(ref filesCompleted, files);

    public void AddBlock(long rawBytes, long wireBytes)
    {
        Interlocked.Add(ref sentBytes, rawBytes);
        Interlocked.Add(ref chunkWireBytes, wireBytes);
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref lastReport);
        if (Stopwatch.GetElapsedTime(last, now) >= interval && Interlocked.CompareExchange(ref lastReport, now, last) == last) Report();
    }

    public void EnterPhase(SyncPhase phase)
    {
        Phase = phase;
        if (phase == SyncPhase.Sending && sendingStarted == 0) sendingStarted = Stopwatch.GetTimestamp();
        Interlocked.Exchange(ref lastReport, Stopwatch.GetTimestamp());
        Report();
    }

    public void Report() => progress?.Report(new SyncProgress(
        Phase, manifest.TotalBytes, SkippedBytes, SentBytes, ChunkWireBytes + ManifestBytes, Rate(), manifest.FileCount,
        Volatile.Read(ref filesCompleted), Elapsed));

    private double Rate()
    {
        if (sendingStarted == 0) return 0;
        var seconds = Stopwatch.GetElapsedTime(sendingStarted).TotalSeconds;
        return seconds > 0 ? SentBytes / seconds : 0;
    }
}
