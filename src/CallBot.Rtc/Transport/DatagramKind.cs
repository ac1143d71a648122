namespace CallBot.Rtc.Transport;

/// <summary>What the first byte of a datagram says it is (RFC 7983 §7, updated by RFC 9443).</summary>
public enum DatagramKind
{
    Unknown = 0,
    Stun,
    Zrtp,
    Dtls,
    TurnChannel,
    RtpOrRtcp,
}

/// <summary>
/// RFC 7983 demultiplexing on the first byte:
/// <code>
///                  +----------------+
///                  |        [0..3] -+--> forward to STUN
///                  |                |
///                  |      [16..19] -+--> forward to ZRTP
///                  |                |
///      packet -->  |      [20..63] -+--> forward to DTLS
///                  |                |
///                  |      [64..79] -+--> forward to TURN Channel
///                  |                |
///                  |    [128..191] -+--> forward to RTP/RTCP
///                  +----------------+
/// </code>
/// </summary>
public static class DatagramClassifier
{
    public static DatagramKind Classify(ReadOnlySpan<byte> datagram)
    {
        if (datagram.IsEmpty)
        {
            return DatagramKind.Unknown;
        }

        return datagram[0] switch
        {
            <= 3 => DatagramKind.Stun,
            >= 16 and <= 19 => DatagramKind.Zrtp,
            >= 20 and <= 63 => DatagramKind.Dtls,
            >= 64 and <= 79 => DatagramKind.TurnChannel,
            >= 128 and <= 191 => DatagramKind.RtpOrRtcp,
            _ => DatagramKind.Unknown,
        };
    }
}
