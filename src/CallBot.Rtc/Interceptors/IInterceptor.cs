using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Interceptors;

/// <summary>Hands one received RTP packet on (toward the jitter buffer); false when it was dropped. The span is valid during the call only.</summary>
internal delegate bool RtpPacketReader(ReadOnlySpan<byte> packet, out RtpDropReason reason);

/// <summary>
/// One media-plane stage of a peer connection (Pion's <c>interceptor.Interceptor</c> is the model): it sees the streams
/// as they are bound and unbound, every incoming RTCP packet (reader chain), and adds what it wants to send at each RTCP
/// tick (writer chain). It may wrap a stream's RTP writer or reader to see or add packets (transport-cc, FEC).
/// </summary>
/// <remarks>
/// Threading: every method runs with the connection's receive lock held, so a stage needs no lock of its own for state
/// touched only here. A wrapper returned by a Bind method runs per packet on the stream's own thread (the producer for a
/// local stream, the receive loop for a remote one) and must allocate nothing.
/// </remarks>
internal interface IInterceptor
{
    /// <summary>The name that enables it in <see cref="PeerConnectionOptions.Interceptors"/>.</summary>
    string Name { get; }

    /// <summary>The rtcp-fb kinds this stage uses: offered and answered only while the stage is enabled.</summary>
    IReadOnlyList<string> RtcpFeedback { get; }

    /// <summary>
    /// Payload formats that are not codecs (RED, ULPFEC) this stage negotiates for <paramref name="kind"/>, after the
    /// media <paramref name="codecs"/> we offer/answer (read for the primary payload types a format names).
    /// </summary>
    IReadOnlyList<SdpCodec> PayloadFormats(MediaKind kind, IReadOnlyList<SdpCodec> codecs);

    /// <summary>
    /// Receive loop, before the payload-type demux: a packet in one of this stage's formats (RED) is rewritten in place
    /// into the packet it carries, at <c>packet[offset..(offset + length)]</c>; length 0 = consumed (dropped, counted by
    /// the stage). False = not this stage's packet. Per packet: allocate nothing.
    /// </summary>
    bool TryUnwrapRtp(RtpTransceiver transceiver, Span<byte> packet, out int offset, out int length);

    /// <summary>A transceiver's sending stream got a codec. Returns <paramref name="writer"/> or a wrapper around it.</summary>
    RtpPacketHandler BindLocalStream(RtpTransceiver transceiver, RtpPacketHandler writer);

    void UnbindLocalStream(RtpTransceiver transceiver);

    /// <summary>A remote SSRC started on a transceiver. Returns <paramref name="reader"/> or a wrapper around it.</summary>
    RtpPacketReader BindRemoteStream(RtpTransceiver transceiver, MediaReceiveStream stream, RtpPacketReader reader);

    void UnbindRemoteStream(MediaReceiveStream stream);

    /// <summary>
    /// An RTX packet for <paramref name="stream"/> arrived (it is unwrapped into the stream directly, not through the
    /// reader chain); a stage that watches every arrival (transport-cc) looks at it here. Per packet: allocate nothing.
    /// </summary>
    void ReadRtx(RtpTransceiver transceiver, MediaReceiveStream stream, ReadOnlySpan<byte> packet);

    /// <summary>
    /// Reader chain: one parsed packet of an incoming compound RTCP packet. Valid during the call only (transport-cc
    /// feedback is the chain's one reusable instance): copy what must be kept.
    /// </summary>
    void ReadRtcp(IRtcpPacket packet);

    /// <summary>Writer chain: adds to <paramref name="batch"/> what this stage sends for one transceiver at this tick.</summary>
    void WriteRtcp(RtcpBatch batch);

    /// <summary>The connection closed (after every stream was unbound).</summary>
    void Close();
}

/// <summary>The do-nothing stage a real one derives from, overriding what it needs (Pion's <c>NoOp</c>).</summary>
internal abstract class Interceptor : IInterceptor
{
    public abstract string Name { get; }

    public virtual IReadOnlyList<string> RtcpFeedback => [];

    public virtual IReadOnlyList<SdpCodec> PayloadFormats(MediaKind kind, IReadOnlyList<SdpCodec> codecs) => [];

    public virtual bool TryUnwrapRtp(RtpTransceiver transceiver, Span<byte> packet, out int offset, out int length)
    {
        offset = 0;
        length = packet.Length;
        return false;
    }

    public virtual RtpPacketHandler BindLocalStream(RtpTransceiver transceiver, RtpPacketHandler writer) => writer;

    public virtual void UnbindLocalStream(RtpTransceiver transceiver)
    {
    }

    public virtual RtpPacketReader BindRemoteStream(RtpTransceiver transceiver, MediaReceiveStream stream, RtpPacketReader reader) => reader;

    public virtual void UnbindRemoteStream(MediaReceiveStream stream)
    {
    }

    public virtual void ReadRtx(RtpTransceiver transceiver, MediaReceiveStream stream, ReadOnlySpan<byte> packet)
    {
    }

    public virtual void ReadRtcp(IRtcpPacket packet)
    {
    }

    public virtual void WriteRtcp(RtcpBatch batch)
    {
    }

    public virtual void Close()
    {
    }
}
