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
        bool ok;
        switch (header.PacketType)
        {
            case RtcpPacketType.SenderReport:
                ok = SenderReport.TryParse(bytes, out var sr, out reason);
                packet = sr;
                break;
            case RtcpPacketType.ReceiverReport:
                ok = ReceiverReport.TryParse(bytes, out var rr, out reason);
                packet = rr;
                break;
            case RtcpPacketType.SourceDescription:
                ok = SourceDescription.TryParse(bytes, out var sdes, out reason);
                packet = sdes;
                break;
            case RtcpPacketType.Goodbye:
                ok = Goodbye.TryParse(bytes, out var bye, out reason);
                packet = bye;
                break;
            case RtcpPacketType.TransportFeedback when header.Count == RtcpPacketType.FormatGenericNack:
                ok = GenericNack.TryParse(bytes, out var nack, out reason);
                packet = nack;
                break;
            case RtcpPacketType.TransportFeedback when header.Count == RtcpPacketType.FormatTransportCc:
                if (reusableTransportCc is null)
                {
                    ok = TransportCc.TryParse(bytes, out var twcc, out reason);
                    packet = twcc;
                }
                else
                {
                    ok = TransportCc.TryParse(bytes, reusableTransportCc, out reason);
                    packet = reusableTransportCc;
                }

                break;
            case RtcpPacketType.PayloadFeedback when header.Count == RtcpPacketType.FormatPli:
                ok = PictureLossIndication.TryParse(bytes, out var pli, out reason);
                packet = pli;
                break;
            case RtcpPacketType.PayloadFeedback when header.Count == RtcpPacketType.FormatFir:
                ok = FullIntraRequest.TryParse(bytes, out var fir, out reason);
                packet = fir;
                break;
            case RtcpPacketType.PayloadFeedback when header.Count == RtcpPacketType.FormatApplicationLayer
                && ReceiverEstimatedMaxBitrate.TryParse(bytes, out var remb, out _):
                ok = true;
                reason = RtcpDropReason.None;
                packet = remb;
                break;
            default:
                packet = RawRtcpPacket.Copy(header, bytes);
                reason = RtcpDropReason.None;
                return true;
        }

        if (!ok)
        {
            packet = null;
        }

        return ok;
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
}
