using System.Net;

namespace CallBot.Rtc.Turn;

/// <summary>A transport that sends nowhere and counts; for tests and benchmarks of the data paths.</summary>
internal sealed class NullTurnTransport(bool reliable) : ITurnTransport
{
    private long _frames;
    private long _bytes;

    public bool IsReliable { get; } = reliable;

    public IPEndPoint LocalEndPoint { get; } = new(IPAddress.Loopback, 1);

    public IPEndPoint ServerEndPoint { get; } = new(IPAddress.Loopback, 3478);

    public long Frames => Interlocked.Read(ref _frames);

    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Copy of the last frame sent (kept in a fixed buffer; no allocation per send).</summary>
    public byte[] LastFrame { get; } = new byte[65_600];

    public int LastFrameLength { get; private set; }

    public void Start(TurnFrameHandler received, Action<Exception?> closed)
    {
    }

    public bool TrySend(ReadOnlySpan<byte> frame)
    {
        Interlocked.Increment(ref _frames);
        Interlocked.Add(ref _bytes, frame.Length);
        frame.CopyTo(LastFrame);
        LastFrameLength = frame.Length;
        return true;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
