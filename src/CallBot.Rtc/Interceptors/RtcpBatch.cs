namespace CallBot.Rtc.Interceptors;

/// <summary>
/// The writer chain's working set for one transceiver at one RTCP tick: what the stages know (the transceiver, its
/// remote stream, whether a report is due, the bandwidth cap) and the packets they add, sent as one compound packet
/// (an SR/RR, when present, first). Reused from tick to tick.
/// </summary>
internal sealed class RtcpBatch
{
    private ReceiveCodec _codec;

    public List<IRtcpPacket> Packets { get; } = [];

    public RtpTransceiver Transceiver { get; private set; } = null!;

    /// <summary>The stream received on this transceiver, null before the first packet.</summary>
    public MediaReceiveStream? Stream { get; private set; }

    /// <summary>The connection's RTCP report interval elapsed (RFC 3550 §6.3.1): reports and estimates go out now.</summary>
    public bool ReportDue { get; private set; }

    /// <summary>The cap set with <see cref="RtcPeerConnection.SetMaxBandwidth"/> (kbit/s, 0 = none).</summary>
    public int MaxBandwidthKbps { get; private set; }

    /// <summary>The report block the report stage built for <see cref="Stream"/> at this tick (later stages read its loss).</summary>
    public ReportBlock? ReportBlock { get; set; }

    /// <summary>True when the codec of <see cref="Stream"/> was negotiated with this rtcp-fb kind.</summary>
    public bool Negotiated(string feedback) => _codec.HasFeedback(feedback);

    internal void Reset(RtpTransceiver transceiver, MediaReceiveStream? stream, bool reportDue, int maxBandwidthKbps)
    {
        Packets.Clear();
        Transceiver = transceiver;
        Stream = stream;
        ReportDue = reportDue;
        MaxBandwidthKbps = maxBandwidthKbps;
        ReportBlock = null;
        _codec = stream is null ? default : transceiver.FindReceiveCodec(stream.PayloadType);
    }
}
