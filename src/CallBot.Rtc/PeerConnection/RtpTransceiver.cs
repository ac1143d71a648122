using System.Text;
using CallBot.Rtc.Sdp;

namespace CallBot.Rtc;

/// <summary>
/// One m-line (unified plan): what we send (<see cref="Sender"/>) and what we receive (<see cref="RemoteFrameSink"/>) of one
/// media kind, plus the keyframe / sender-report / loss signals of that m-line. Created by
/// <see cref="RtcPeerConnection.AddTransceiver"/> or by <see cref="RtcPeerConnection.SetRemoteOfferAsync"/>.
/// </summary>
public sealed class RtpTransceiver
{
    private readonly MediaSendStream _send;
    private volatile IEncodedFrameSink? _remoteFrameSink;
    private volatile int _targetBitrateKbps;

    internal RtpTransceiver(MediaKind kind, TransceiverDirection direction, uint ssrc, uint? rtxSsrc,
        string streamId, string trackId, TimeProvider time)
    {
        Kind = kind;
        Direction = direction;
        StreamId = streamId;
        TrackId = trackId;
        _send = new MediaSendStream(ssrc, rtxSsrc, time);
        FrameSink = new RemoteSinkForwarder(this);
    }

    public MediaKind Kind { get; }

    /// <summary>The m-line's mid once negotiated (or once an offer assigned it).</summary>
    public string? Mid { get; private set; }

    /// <summary>What we want; takes effect at the next offer/answer.</summary>
    public TransceiverDirection Direction { get; set; }

    /// <summary>The direction the last negotiation settled on (null before).</summary>
    public TransceiverDirection? CurrentDirection { get; private set; }

    /// <summary>The codec we send with (the first negotiated one), null before negotiation or when rejected.</summary>
    public CodecId? NegotiatedCodec { get; private set; }

    /// <summary>Frames handed here are packetized, SRTP-protected and sent while connected (dropped and counted otherwise). One producer thread.</summary>
    public IEncodedFrameSink Sender => _send;

    /// <summary>Complete frames received from the peer, in order, on the receive loop. The frame's memory is valid only during the call.</summary>
    public IEncodedFrameSink? RemoteFrameSink
    {
        get => _remoteFrameSink;
        set => _remoteFrameSink = value;
    }

    /// <summary>The peer asked for a keyframe (PLI or FIR): the media source should send one.</summary>
    public event EventHandler? KeyFrameRequested;

    /// <summary>An RTCP SR for the stream we receive (NTP ↔ RTP timestamp mapping).</summary>
    public event EventHandler<RemoteSenderReport>? SenderReportReceived;

    /// <summary>Frames were lost on the stream we receive.</summary>
    public event EventHandler<FrameGap>? RemoteGap;

    /// <summary>The send bitrate to aim for: the smallest of SetMaxBandwidth, the remote b=AS/TIAS and REMB (0 = no limit known).</summary>
    public int TargetBitrateKbps => _targetBitrateKbps;

    /// <summary>Our SSRC on this m-line (announced in SDP).</summary>
    public uint Ssrc => _send.Ssrc;

    /// <summary>Sends a PLI to the remote sender of this m-line (no-op until media arrives).</summary>
    public void RequestKeyFrame() => KeyFrameRequestPending = true;

    internal string StreamId { get; }

    internal string TrackId { get; }

    internal MediaSendStream SendStream => _send;

    internal IEncodedFrameSink FrameSink { get; }

    internal byte[] MidBytes { get; private set; } = [];

    internal NegotiatedMedia? Negotiated { get; set; }

    /// <summary>What we accept on this m-line, flattened for the receive loop (no enumerator allocations per packet).</summary>
    internal ReceiveCodec[] ReceiveCodecs { get; private set; } = [];

    /// <summary>True when the negotiated direction lets us receive.</summary>
    internal bool CanReceive { get; private set; }

    /// <summary>Receive loop only.</summary>
    internal MediaReceiveStream? ReceiveStream { get; set; }

    internal int MaxBandwidthKbps { get; set; }

    internal int RemoteBandwidthKbps { get; set; }

    internal int RembKbps { get; set; }

    /// <summary>This stream's share of the transport-cc send-side estimate (kbit/s, 0 = none yet).</summary>
    internal int TransportCcKbps { get; set; }

    /// <summary>Set by <see cref="RequestKeyFrame"/>; the RTCP timer sends the PLI.</summary>
    internal bool KeyFrameRequestPending
    {
        get => Volatile.Read(ref _keyFrameRequestPending);
        set => Volatile.Write(ref _keyFrameRequestPending, value);
    }

    private bool _keyFrameRequestPending;

    internal long KeyFrameRequestsReceived => Interlocked.Read(ref _keyFrameRequestsReceived);

    private long _keyFrameRequestsReceived;
    private long _roundTripTicks;
    private long _remotePacketsLost;
    private byte _remoteFractionLost;

    /// <summary>The last round-trip time measured from the peer's report about our stream (remote-inbound-rtp).</summary>
    public TimeSpan? RoundTripTime => Interlocked.Read(ref _roundTripTicks) is > 0 and var t ? TimeSpan.FromTicks(t) : null;

    /// <summary>The peer's cumulative count of our packets lost, from its last report block.</summary>
    public long RemotePacketsLost => Interlocked.Read(ref _remotePacketsLost);

    /// <summary>The peer's last fraction lost of our packets (0–1).</summary>
    public double RemoteFractionLost => Volatile.Read(ref _remoteFractionLost) / 256.0;

    internal void OnRemoteReport(TimeSpan roundTrip, int cumulativeLost, byte fractionLost)
    {
        Interlocked.Exchange(ref _roundTripTicks, Math.Max(1, roundTrip.Ticks));
        _send.OnRoundTripTime(roundTrip);
        Interlocked.Exchange(ref _remotePacketsLost, cumulativeLost);
        Volatile.Write(ref _remoteFractionLost, fractionLost);
    }

    /// <summary>The receive codec with this payload type, or the default (no feedback) when there is none.</summary>
    internal ReceiveCodec FindReceiveCodec(byte payloadType)
    {
        foreach (var codec in ReceiveCodecs)
        {
            if (codec.PayloadType == payloadType)
            {
                return codec;
            }
        }

        return default;
    }

    internal void OnKeyFrameRequestReceived() => Interlocked.Increment(ref _keyFrameRequestsReceived);

    internal void AssignMid(string mid)
    {
        Mid = mid;
        MidBytes = Encoding.ASCII.GetBytes(mid);
    }

    internal void SetNegotiated(NegotiatedMedia? media, CodecId? codec, TransceiverDirection? current)
    {
        var codecs = new List<ReceiveCodec>();
        if (media is not null && !media.Rejected)
        {
            foreach (var negotiated in media.Codecs)
            {
                if (negotiated.TryGetCodecId(out var id))
                {
                    codecs.Add(new ReceiveCodec(negotiated.PayloadType, negotiated.RtxPayloadType, id, negotiated.RtcpFeedback));
                }
            }
        }

        ReceiveCodecs = [.. codecs];
        CanReceive = current is { } direction && direction.CanReceive();
        Negotiated = media;
        NegotiatedCodec = codec;
        CurrentDirection = current;
    }

    internal void UpdateTargetBitrate()
    {
        var target = 0;
        foreach (var limit in (ReadOnlySpan<int>)[MaxBandwidthKbps, RemoteBandwidthKbps, RembKbps, TransportCcKbps])
        {
            if (limit > 0 && (target == 0 || limit < target))
            {
                target = limit;
            }
        }

        _targetBitrateKbps = target;
    }

    internal void RaiseKeyFrameRequested() => KeyFrameRequested?.Invoke(this, EventArgs.Empty);

    internal void RaiseSenderReport(RemoteSenderReport report) => SenderReportReceived?.Invoke(this, report);

    internal void RaiseRemoteGap(FrameGap gap) => RemoteGap?.Invoke(this, gap);

    private sealed class RemoteSinkForwarder(RtpTransceiver owner) : IEncodedFrameSink
    {
        public void OnFrame(in EncodedFrame frame) => owner._remoteFrameSink?.OnFrame(frame);
    }
}

/// <summary>One negotiated codec as the receive path needs it: payload type, RTX partner, CallBot codec, the rtcp-fb kinds negotiated.</summary>
internal readonly record struct ReceiveCodec(byte PayloadType, byte? RtxPayloadType, CodecId Codec, IReadOnlyList<string>? Feedback)
{
    /// <summary>Whether this rtcp-fb kind was negotiated for the codec (false for the default value: no codec).</summary>
    public bool HasFeedback(string kind)
    {
        if (Feedback is null)
        {
            return false;
        }

        foreach (var feedback in Feedback)
        {
            if (string.Equals(feedback, kind, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
