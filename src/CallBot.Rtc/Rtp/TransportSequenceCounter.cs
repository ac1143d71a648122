namespace CallBot.Rtc.Rtp;

/// <summary>The transport-wide sequence number shared by every stream of one transport (draft-holmer transport-wide-cc).</summary>
public sealed class TransportSequenceCounter
{
    private int _next;

    public ushort Next() => (ushort)Interlocked.Increment(ref _next);
}
