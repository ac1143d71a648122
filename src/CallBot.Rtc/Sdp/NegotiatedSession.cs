namespace CallBot.Rtc.Sdp;

/// <summary>Our DTLS role after negotiation: Client sends the ClientHello (setup:active).</summary>
public enum SdpDtlsRole
{
    Client,
    Server,
}

/// <summary>A negotiated codec: the payload type both sides use (the offerer's number), rtpmap, fmtp, feedback, RTX PT.</summary>
public sealed record NegotiatedCodec(byte PayloadType, string Name, int ClockRate, int Channels, string? Fmtp, IReadOnlyList<string> RtcpFeedback, byte? RtxPayloadType)
{
    /// <summary>Which of CallBot's codecs this is (by rtpmap name and clock), or false for any other codec.</summary>
    public bool TryGetCodecId(out CodecId codec)
    {
        var found = CodecTable.TryFind(Name, ClockRate, out var entry);
        codec = found ? entry.Id : default;
        return found;
    }

    public bool HasFeedback(string kind)
    {
        foreach (var feedback in RtcpFeedback)
        {
            if (string.Equals(feedback, kind, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A remote sending stream from a=ssrc / a=ssrc-group:FID.</summary>
public sealed record NegotiatedSsrc(uint Ssrc, uint? RtxSsrc, string? CName, string? StreamId, string? TrackId);

/// <summary>The outcome for one m-line (mid).</summary>
public sealed record NegotiatedMedia(string Mid, string MediaType, bool Rejected)
{
    /// <summary>Our direction: SendOnly means we send and the remote only receives.</summary>
    public SdpDirection Direction { get; init; }

    /// <summary>Chosen codecs in preference order (the first is the one to send); RTX folded into RtxPayloadType.</summary>
    public IReadOnlyList<NegotiatedCodec> Codecs { get; init; } = [];

    public IReadOnlyList<SdpExtMap> HeaderExtensions { get; init; } = [];

    /// <summary>Streams the remote announced on this m-line.</summary>
    public IReadOnlyList<NegotiatedSsrc> RemoteSsrcs { get; init; } = [];

    public SdpMsid? RemoteMsid { get; init; }

    /// <summary>The remote's receive limit (b=TIAS, else b=AS), i.e. the most we should send, in bit/s.</summary>
    public long? MaxSendBitrateBps { get; init; }

    public bool RtcpMux { get; init; }

    public bool RtcpReducedSize { get; init; }

    /// <summary>The negotiated id of a header extension URI, or null.</summary>
    public int? ExtensionId(string uri)
    {
        foreach (var extension in HeaderExtensions)
        {
            if (string.Equals(extension.Uri, uri, StringComparison.Ordinal))
            {
                return extension.Id;
            }
        }

        return null;
    }

    public int? AbsSendTimeId => ExtensionId(SdpHeaderExtensionUris.AbsSendTime);

    public int? TransportWideCcId => ExtensionId(SdpHeaderExtensionUris.TransportWideCc);

    public int? MidExtensionId => ExtensionId(SdpHeaderExtensionUris.SdesMid);

    public NegotiatedCodec? FindCodec(byte payloadType)
    {
        foreach (var codec in Codecs)
        {
            if (codec.PayloadType == payloadType)
            {
                return codec;
            }
        }

        return null;
    }
}

/// <summary>
/// What the transport and media layers need after an offer/answer exchange: remote ICE credentials and candidates,
/// the remote fingerprint, our DTLS role, BUNDLE, and per-mid media parameters.
/// </summary>
/// <remarks>ToString never shows the remote ice-pwd (it authenticates STUN checks for the whole call).</remarks>
public sealed record NegotiatedSession(string RemoteIceUfrag, string RemoteIcePwd, SdpFingerprint RemoteFingerprint, SdpDtlsRole LocalDtlsRole)
{
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("RemoteIceUfrag = ").Append(RemoteIceUfrag).Append(", RemoteIcePwd = ***, RemoteFingerprint = ").Append(RemoteFingerprint)
            .Append(", LocalDtlsRole = ").Append(LocalDtlsRole).Append(", RemoteSetup = ").Append(RemoteSetup)
            .Append(", RemoteCandidates = ").Append(RemoteCandidates.Count).Append(", BundleMids = [").AppendJoin(", ", BundleMids)
            .Append("], Media = ").Append(Media.Count);
        return true;
    }

    public SdpSetup RemoteSetup { get; init; }

    public bool RemoteIceLite { get; init; }

    public bool RemoteTrickle { get; init; }

    /// <summary>Remote <c>candidate:...</c> values found in the description (all m-lines, in order).</summary>
    public IReadOnlyList<string> RemoteCandidates { get; init; } = [];

    public bool RemoteEndOfCandidates { get; init; }

    /// <summary>The accepted BUNDLE group's mids (empty without BUNDLE).</summary>
    public IReadOnlyList<string> BundleMids { get; init; } = [];

    public IReadOnlyList<NegotiatedMedia> Media { get; init; } = [];

    public NegotiatedMedia? FindMedia(string mid) => Media.FirstOrDefault(media => media.Mid == mid);
}
