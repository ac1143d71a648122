namespace CallBot.Rtc;

/// <summary>
/// Which transceiver a packet or an SSRC belongs to (BUNDLE demultiplexing, RFC 8843 §9.2): by SSRC (signalled or
/// learned), else by the mid header extension (what Chrome sends), else by a payload type unique to one m-line.
/// Our own SSRCs map to the transceiver sending them (RTCP feedback about them). Receive lock held for every call.
/// </summary>
internal sealed class RtpDemux
{
    private readonly Dictionary<uint, RtpTransceiver> _remoteSsrcs = [];
    private readonly Dictionary<uint, RtpTransceiver> _localSsrcs = [];
    private readonly Dictionary<byte, RtpTransceiver> _payloadTypes = [];
    private int _midExtensionId;

    /// <summary>Rebuilds the tables after a negotiation (learned remote SSRCs are kept).</summary>
    public void Update(RtpTransceiver[] transceivers)
    {
        _payloadTypes.Clear();
        var ambiguous = new HashSet<byte>();
        _midExtensionId = 0;
        _localSsrcs.Clear();
        foreach (var transceiver in transceivers)
        {
            _localSsrcs[transceiver.Ssrc] = transceiver;
            var media = transceiver.Negotiated;
            if (media is null || media.Rejected)
            {
                continue;
            }

            if (_midExtensionId == 0 && media.MidExtensionId is { } midId)
            {
                _midExtensionId = midId;
            }

            foreach (var ssrc in media.RemoteSsrcs)
            {
                _remoteSsrcs[ssrc.Ssrc] = transceiver;
                if (ssrc.RtxSsrc is { } rtx)
                {
                    _remoteSsrcs[rtx] = transceiver;
                }
            }

            foreach (var codec in media.Codecs)
            {
                AddPayloadType(codec.PayloadType, transceiver, ambiguous);
                if (codec.RtxPayloadType is { } rtxPt)
                {
                    AddPayloadType(rtxPt, transceiver, ambiguous);
                }
            }
        }
    }

    /// <summary>The transceiver of an RTP packet, learning its SSRC when found by mid; null when none claims it.</summary>
    public RtpTransceiver? Find(in RtpHeader header, ReadOnlySpan<byte> packet, RtpTransceiver[] transceivers)
    {
        if (_remoteSsrcs.TryGetValue(header.Ssrc, out var known))
        {
            return known;
        }

        if (_midExtensionId > 0 && header.TryGetExtension(packet, _midExtensionId, out var mid))
        {
            foreach (var transceiver in transceivers)
            {
                if (transceiver.MidBytes.AsSpan().SequenceEqual(mid))
                {
                    _remoteSsrcs[header.Ssrc] = transceiver;
                    return transceiver;
                }
            }
        }

        return _payloadTypes.TryGetValue(header.PayloadType, out var byPt) ? byPt : null;
    }

    /// <summary>Remembers that <paramref name="ssrc"/> is received on <paramref name="transceiver"/>.</summary>
    public void Learn(uint ssrc, RtpTransceiver transceiver) => _remoteSsrcs[ssrc] = transceiver;

    /// <summary>The transceiver receiving <paramref name="ssrc"/> (a remote SSRC).</summary>
    public bool TryGetRemote(uint ssrc, out RtpTransceiver transceiver) => _remoteSsrcs.TryGetValue(ssrc, out transceiver!);

    /// <summary>The transceiver sending <paramref name="ssrc"/> (one of ours).</summary>
    public bool TryGetLocal(uint ssrc, out RtpTransceiver transceiver) => _localSsrcs.TryGetValue(ssrc, out transceiver!);

    private void AddPayloadType(byte pt, RtpTransceiver transceiver, HashSet<byte> ambiguous)
    {
        if (ambiguous.Contains(pt))
        {
            return;
        }

        if (_payloadTypes.TryGetValue(pt, out var existing) && !ReferenceEquals(existing, transceiver))
        {
            _payloadTypes.Remove(pt);
            ambiguous.Add(pt);
            return;
        }

        _payloadTypes[pt] = transceiver;
    }
}
