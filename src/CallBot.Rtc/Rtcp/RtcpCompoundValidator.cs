namespace CallBot.Rtc.Rtcp;

/// <summary>Which RFC 3550 §6.1 compound rule a datagram breaks.</summary>
public enum RtcpCompoundError
{
    None = 0,

    /// <summary>No packets at all.</summary>
    Empty,

    /// <summary>A header could not be walked (see <see cref="RtcpCompoundReader.Error"/>).</summary>
    Malformed,

    /// <summary>The first packet is not an SR or RR (and reduced-size is not allowed).</summary>
    FirstNotReport,

    /// <summary>No SDES packet with a CNAME item for the reporting SSRC (and reduced-size is not allowed).</summary>
    MissingCname,
}

/// <summary>Checks the compound rules, each with its own reason. Reduced-size RTCP (RFC 5506) may be tolerated.</summary>
public static class RtcpCompoundValidator
{
    public static RtcpCompoundError Validate(ReadOnlySpan<byte> datagram, bool allowReducedSize)
    {
        var reader = new RtcpCompoundReader(datagram);
        var first = true;
        var reducedSize = false;
        var hasCname = false;
        while (reader.MoveNext())
        {
            var type = reader.Current.Header.PacketType;
            if (first)
            {
                first = false;
                if (type != RtcpPacketType.SenderReport && type != RtcpPacketType.ReceiverReport)
                {
                    if (!allowReducedSize)
                    {
                        return RtcpCompoundError.FirstNotReport;
                    }

                    reducedSize = true;
                }
            }

            if (type == RtcpPacketType.SourceDescription
                && SourceDescription.TryParse(reader.Current.Bytes, out var sdes, out _)
                && HasCname(sdes!))
            {
                hasCname = true;
            }
        }

        if (reader.Error != RtcpDropReason.None)
        {
            return RtcpCompoundError.Malformed;
        }

        if (reader.Count == 0)
        {
            return RtcpCompoundError.Empty;
        }

        if (!hasCname && !reducedSize && !allowReducedSize)
        {
            return RtcpCompoundError.MissingCname;
        }

        return RtcpCompoundError.None;
    }

    private static bool HasCname(SourceDescription sdes)
    {
        for (var i = 0; i < sdes.Chunks.Count; i++)
        {
            if (sdes.Chunks[i].Cname.Length > 0)
            {
                return true;
            }
        }

        return false;
    }
}
