namespace CallBot.Rtc.Rtcp;

/// <summary>Turns one <see cref="RtcpPacketView"/> into its typed packet; unknown (type, FMT) pairs become <see cref="RawRtcpPacket"/>.</summary>
public static class RtcpPacketParser
{
    /// <param name="reusableTransportCc">
    /// When set (<see cref="TransportCc.CreateReusable"/>), transport-cc feedback is parsed into it instead of a new
    /// instance (it arrives every 50–100 ms with one entry per packet): the packet is then valid until the next parse.
    /// </param>
    public static bool TryParse(RtcpPacketView view, out IRtcpPacket? packet, out RtcpDropReason reason, TransportCc? reusableTransportCc = null)
    {
        var bytes = view.Bytes;
        var header = view.Header;
        switch (header.PacketType)
        {
            case RtcpPacketType.SenderReport:
                return Parse<SenderReport>(bytes, out packet, out reason);
            case RtcpPacketType.ReceiverReport:
                return Parse<ReceiverReport>(bytes, out packet, out reason);
            case RtcpPacketType.SourceDescription:
                return Parse<SourceDescription>(bytes, out packet, out reason);
            case RtcpPacketType.Goodbye:
                return Parse<Goodbye>(bytes, out packet, out reason);
            case RtcpPacketType.TransportFeedback when header.Count == RtcpPacketType.FormatGenericNack:
                return Parse<GenericNack>(bytes, out packet, out reason);
            case RtcpPacketType.TransportFeedback when header.Count == RtcpPacketType.FormatTransportCc:
                if (reusableTransportCc is null)
                {
                    return Parse<TransportCc>(bytes, out packet, out reason);
                }

                var ok = TransportCc.TryParse(bytes, reusableTransportCc, out reason);
                packet = ok ? reusableTransportCc : null;
                return ok;
            case RtcpPacketType.PayloadFeedback when header.Count == RtcpPacketType.FormatPli:
                return Parse<PictureLossIndication>(bytes, out packet, out reason);
            case RtcpPacketType.PayloadFeedback when header.Count == RtcpPacketType.FormatFir:
                return Parse<FullIntraRequest>(bytes, out packet, out reason);
            case RtcpPacketType.PayloadFeedback when header.Count == RtcpPacketType.FormatApplicationLayer
                && ReceiverEstimatedMaxBitrate.TryParse(bytes, out var remb, out _):
                reason = RtcpDropReason.None;
                packet = remb;
                return true;
            default:
                // Unknown (type, FMT) pairs, and application-layer feedback other than REMB, are kept whole.
                packet = RawRtcpPacket.Copy(header, bytes);
                reason = RtcpDropReason.None;
                return true;
        }
    }

    /// <summary>Parses every packet of a compound datagram (allocates; for the control path, not per media packet).</summary>
    public static bool TryParseCompound(ReadOnlySpan<byte> datagram, List<IRtcpPacket> packets, out RtcpDropReason reason)
    {
        ArgumentNullException.ThrowIfNull(packets);
        var reader = new RtcpCompoundReader(datagram);
        while (reader.MoveNext())
        {
            if (!TryParse(reader.Current, out var packet, out reason))
            {
                return false;
            }

            packets.Add(packet!);
        }

        reason = reader.Error;
        return reason == RtcpDropReason.None;
    }

    private static bool Parse<T>(ReadOnlySpan<byte> bytes, out IRtcpPacket? packet, out RtcpDropReason reason)
        where T : class, IRtcpPacket<T>
    {
        var ok = T.TryParse(bytes, out var parsed, out reason);
        packet = ok ? parsed : null;
        return ok;
    }
}
