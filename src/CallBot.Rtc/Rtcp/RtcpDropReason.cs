namespace CallBot.Rtc.Rtcp;

/// <summary>Why an RTCP packet (or a whole compound datagram) was not accepted. Counted, never thrown.</summary>
public enum RtcpDropReason
{
    None = 0,

    /// <summary>Fewer bytes than the header or the fixed part of the packet type needs.</summary>
    TooShort,

    /// <summary>Version field is not 2.</summary>
    BadVersion,

    /// <summary>The length field points past the end of the datagram.</summary>
    LengthOverrun,

    /// <summary>Padding bit set with a count of 0 or larger than the packet, or set on a packet that is not last.</summary>
    BadPadding,

    /// <summary>The header's (type, FMT) is not the one this parser handles.</summary>
    WrongType,

    /// <summary>The count field (RC/SC/FMT items) does not fit the packet length.</summary>
    BadCount,

    /// <summary>An inner structure (SDES item, TWCC chunk, REMB identifier) is malformed.</summary>
    Malformed,
}
