using System.Globalization;
using CallBot.Abstractions;
using CallBot.Rtc.Fec;
using CallBot.Rtc.Media;
using CallBot.Rtc.Rtp;
using CallBot.Rtc.Sdp;

namespace CallBot.Rtc.Interceptors;

/// <summary>
/// RED + ULPFEC as Chrome negotiates them (RFC 2198, RFC 5109): the formats come from
/// <see cref="CodecTable.RedundancyFormats"/> and are offered/answered only while this stage runs. Receiving, RED is
/// taken off before the payload-type demux and ULPFEC rebuilds lost packets into the jitter buffer
/// (<see cref="FecStreamReceiver"/>); sending video, every media packet goes out as RED and ULPFEC protects groups
/// sized from the loss the peer reports (<see cref="FecStreamSender"/>, none on a clean link). Audio RED is received
/// (its redundancy replaces a lost packet); we send plain Opus.
/// </summary>
internal sealed class FecInterceptor(InterceptorContext context) : Interceptor
{
    private const string RedName = "red";
    private const string UlpfecName = "ulpfec";

    private readonly Dictionary<RtpTransceiver, ReceiveState> _receivers = [];
    private readonly Dictionary<MediaReceiveStream, RtpTransceiver> _streams = [];
    private readonly Dictionary<RtpTransceiver, SendState> _senders = [];

    public override string Name => InterceptorRegistry.Fec;

    public override IReadOnlyList<SdpCodec> PayloadFormats(MediaKind kind, IReadOnlyList<SdpCodec> codecs)
    {
        byte? primary = null;
        var rtx = false;
        foreach (var codec in codecs)
        {
            rtx |= codec.IsRtx;
            primary ??= codec.IsRtx ? null : codec.PayloadType;
        }

        var formats = new List<SdpCodec>();
        foreach (var format in CodecTable.RedundancyFormats)
        {
            if (format.Kind != kind || primary is not { } pt)
            {
                continue;
            }

            var fmtp = format.RedundantFrames > 0
                ? string.Join('/', Enumerable.Repeat(pt.ToString(CultureInfo.InvariantCulture), format.RedundantFrames + 1))
                : null;
            formats.Add(new SdpCodec(format.PayloadType, format.SdpName, format.ClockRate, format.Channels, fmtp) { NamesPayloadTypes = fmtp is not null });
            if (format.RtxPayloadType is { } rtxPt && rtx)
            {
                formats.Add(SdpCodec.Rtx(rtxPt, format.PayloadType, format.ClockRate));
            }
        }

        return formats;
    }

    public override bool TryUnwrapRtp(RtpTransceiver transceiver, Span<byte> packet, out int offset, out int length) =>
        Receiver(transceiver).TryUnwrap(packet, out offset, out length);

    public override RtpPacketReader BindRemoteStream(RtpTransceiver transceiver, MediaReceiveStream stream, RtpPacketReader reader)
    {
        var receiver = Receiver(transceiver);
        receiver.Bind(stream.Ssrc, stream.PayloadType, transceiver.Kind == MediaKind.Video, reader);
        _streams[stream] = transceiver;
        return (ReadOnlySpan<byte> packet, out RtpDropReason reason) => receiver.Read(packet, out reason, reader);
    }

    public override void UnbindRemoteStream(MediaReceiveStream stream)
    {
        if (_streams.Remove(stream, out var transceiver) && _receivers.TryGetValue(transceiver, out var state))
        {
            state.Receiver.Unbind();
        }
    }

    public override RtpPacketHandler BindLocalStream(RtpTransceiver transceiver, RtpPacketHandler writer)
    {
        if (transceiver.Kind != MediaKind.Video)
        {
            return writer;
        }

        var send = transceiver.SendStream;
        var sender = new FecStreamSender(
            send.Ssrc, send.ReserveSequenceNumber, () => transceiver.RemoteFractionLost, () => transceiver.TargetBitrateKbps, context.Time);
        var state = new SendState(sender);
        Refresh(transceiver, state);
        _senders[transceiver] = state;
        return packet => sender.Write(packet, writer);
    }

    public override void UnbindLocalStream(RtpTransceiver transceiver) => _senders.Remove(transceiver);

    /// <summary>Each tick: a renegotiation's payload types reach the sender; the counters reach the streams' stats.</summary>
    public override void WriteRtcp(RtcpBatch batch)
    {
        var transceiver = batch.Transceiver;
        if (_senders.TryGetValue(transceiver, out var send))
        {
            Refresh(transceiver, send);
            transceiver.SendStream.FecPacketsSent = send.Sender.FecPacketsSent;
            transceiver.SendStream.FecBytesSent = send.Sender.FecBytesSent;
        }

        if (batch.Stream is { } stream && _receivers.TryGetValue(transceiver, out var receive))
        {
            var receiver = receive.Receiver;
            stream.FecPacketsReceived = receiver.FecReceived;
            stream.FecPacketsRecovered = receiver.Recovered + receiver.RedundancyUsed;
            stream.FecPacketsDiscarded = receiver.Malformed;
        }
    }

    private FecStreamReceiver Receiver(RtpTransceiver transceiver)
    {
        if (!_receivers.TryGetValue(transceiver, out var state))
        {
            state = CreateReceiveState(transceiver);
            _receivers[transceiver] = state;
        }

        if (!ReferenceEquals(state.Media, transceiver.Negotiated))
        {
            state.Media = transceiver.Negotiated;
            state.Receiver.Types = ReceiveTypes(state.Media, transceiver.Kind);
        }

        return state.Receiver;
    }

    // A method of its own: a lambda capturing a parameter makes the compiler allocate its closure at the entry of the
    // method that holds it, so inside Receiver (called for every packet) it cost 24 B per packet even when not created.
    private static ReceiveState CreateReceiveState(RtpTransceiver transceiver) =>
        new(new FecStreamReceiver { RtxOf = pt => RtxOf(transceiver.Negotiated, pt) });

    private static void Refresh(RtpTransceiver transceiver, SendState state)
    {
        var media = transceiver.Negotiated;
        if (ReferenceEquals(state.Media, media))
        {
            return;
        }

        state.Media = media;
        state.Sender.PayloadTypes = SendTypes(media, transceiver.Kind);
    }

    private static FecReceiveTypes ReceiveTypes(NegotiatedMedia? media, MediaKind kind)
    {
        byte red = 0, redRtx = 0, ulpfec = 0;
        foreach (var codec in media?.Codecs ?? [])
        {
            if (IsFormat(codec, RedName, kind))
            {
                red = codec.PayloadType;
                redRtx = codec.RtxPayloadType ?? 0;
            }
            else if (IsFormat(codec, UlpfecName, kind))
            {
                ulpfec = codec.PayloadType;
            }
        }

        return new FecReceiveTypes(red, redRtx, ulpfec);
    }

    private static FecPayloadTypes? SendTypes(NegotiatedMedia? media, MediaKind kind)
    {
        var types = ReceiveTypes(media, kind);
        byte? primary = null;
        foreach (var codec in media?.Codecs ?? [])
        {
            if (codec.TryGetCodecId(out _))
            {
                primary = codec.PayloadType;
                break;
            }
        }

        return types.Red == 0 || primary is not { } pt ? null : new FecPayloadTypes(pt, types.Red, types.Ulpfec == 0 ? null : types.Ulpfec);
    }

    private static bool IsFormat(NegotiatedCodec codec, string name, MediaKind kind)
    {
        if (!string.Equals(codec.Name, name, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        foreach (var format in CodecTable.RedundancyFormats)
        {
            if (format.Kind == kind && format.ClockRate == codec.ClockRate && string.Equals(format.SdpName, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static byte RtxOf(NegotiatedMedia? media, byte payloadType) =>
        media?.FindCodec(payloadType)?.RtxPayloadType ?? 0;

    private sealed class ReceiveState(FecStreamReceiver receiver)
    {
        public FecStreamReceiver Receiver { get; } = receiver;

        public NegotiatedMedia? Media { get; set; }
    }

    private sealed class SendState(FecStreamSender sender)
    {
        public FecStreamSender Sender { get; } = sender;

        public NegotiatedMedia? Media { get; set; }
    }
}
