namespace CallBot.Rtc.Rtp;

/// <summary>Settings of one outgoing RTP stream, mostly from the negotiated SDP.</summary>
public sealed class RtpStreamSenderOptions
{
    /// <summary>Typical safe RTP packet size on the Internet, leaving room for SRTP, UDP, IP and TURN overheads.</summary>
    public const int DefaultMaxPacketSize = 1200;

    /// <summary>1024 packets is about 1 s of 8 Mbit/s video, well over a few RTTs of NACK.</summary>
    public const int DefaultHistorySize = 1024;

    public uint Ssrc { get; set; }
    public byte PayloadType { get; set; }

    /// <summary>Largest RTP packet written (header + payload), before SRTP adds its tag.</summary>
    public int MaxPacketSize { get; set; } = DefaultMaxPacketSize;

    /// <summary>Bytes to leave free at the end of each packet buffer for the SRTP auth tag (10 for AES_CM_HMAC_SHA1_80, 16 for GCM).</summary>
    public int TrailerReserve { get; set; } = 16;

    /// <summary>Most packets kept for retransmission; a power of two; 0 turns NACK handling off.</summary>
    public int HistorySize { get; set; } = DefaultHistorySize;

    /// <summary>How long a sent packet stays available for retransmission (NACKs for older ones are misses).</summary>
    public TimeSpan HistoryRetention { get; set; } = RtpPacketHistory.DefaultRetention;

    /// <summary>
    /// Retransmitted bytes allowed per <see cref="RtpStreamSender.BudgetWindow"/>, as a fraction of the original bytes sent
    /// in the current or previous window (whichever is larger). 1.0 is libwebrtc's limit (retransmissions up to the media
    /// rate): a whole lost keyframe can be resent, and a peer's NACKs can never make the stream send more than twice its
    /// own bitrate.
    /// </summary>
    public double RetransmissionBudgetRatio { get; set; } = 1.0;

    /// <summary>First sequence number and RTP timestamp offset; random by default (RFC 3550 §5.1).</summary>
    public ushort? InitialSequenceNumber { get; set; }
    public uint? InitialTimestamp { get; set; }

    /// <summary>RTX (RFC 4588) SSRC and payload type when negotiated; null sends retransmissions as the original packet.</summary>
    public uint? RtxSsrc { get; set; }
    public byte? RtxPayloadType { get; set; }

    /// <summary>Negotiated header extension ids (0 = not negotiated) and the MID value.</summary>
    public byte AbsSendTimeId { get; set; }
    public byte TransportSequenceId { get; set; }
    public byte MidId { get; set; }
    public string? Mid { get; set; }
}
