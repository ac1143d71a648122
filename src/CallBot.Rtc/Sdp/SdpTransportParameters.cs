namespace CallBot.Rtc.Sdp;

/// <summary>
/// The local ICE and DTLS parameters written into every m-line of an offer or answer: ice-ufrag/pwd (RFC 8839 §5.4),
/// trickle (RFC 8840), the certificate fingerprint (RFC 8122) and already gathered candidates ("candidate:..." values,
/// unparsed; the ICE layer owns their syntax).
/// </summary>
/// <remarks>ToString never shows the ice-pwd.</remarks>
public sealed record SdpTransportParameters(string IceUfrag, string IcePwd, SdpFingerprint Fingerprint)
{
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append("IceUfrag = ").Append(IceUfrag).Append(", IcePwd = ***, Fingerprint = ").Append(Fingerprint)
            .Append(", Trickle = ").Append(Trickle).Append(", IceLite = ").Append(IceLite).Append(", Candidates = ").Append(Candidates.Count);
        return true;
    }

    public bool Trickle { get; init; } = true;

    public bool IceLite { get; init; }

    /// <summary><c>candidate:...</c> attribute values (without the leading <c>a=</c>).</summary>
    public IReadOnlyList<string> Candidates { get; init; } = [];

    /// <summary>Write <c>a=end-of-candidates</c> (RFC 8840 §4.1) after the candidates.</summary>
    public bool EndOfCandidates { get; init; }
}

/// <summary>What we send on one m-line: SSRC, CNAME, msid and an optional RTX SSRC (ssrc-group FID, RFC 5576 §4.2).</summary>
public sealed record SdpLocalTrack(uint Ssrc, string CName, string StreamId, string TrackId, uint? RtxSsrc = null);

/// <summary>One local transceiver for <see cref="SdpOfferBuilder"/>: one m-line in the offer (unified plan).</summary>
public sealed record SdpLocalTransceiver(string MediaType, SdpDirection Direction, IReadOnlyList<SdpCodec> Codecs)
{
    /// <summary>Header extensions with our ids.</summary>
    public IReadOnlyList<SdpExtMap> HeaderExtensions { get; init; } = [];

    /// <summary>The outgoing track; null means we do not send on this m-line yet.</summary>
    public SdpLocalTrack? Track { get; init; }

    /// <summary>The mid; null means the builder assigns "0", "1", ... by position.</summary>
    public string? Mid { get; init; }

    /// <summary>Our receive limit, written as b=TIAS and b=AS (RFC 3890); null writes none.</summary>
    public long? MaxReceiveBitrateBps { get; init; }
}

/// <summary>Everything <see cref="SdpOfferBuilder"/> needs.</summary>
public sealed record SdpOfferOptions(SdpTransportParameters Transport, IReadOnlyList<SdpLocalTransceiver> Transceivers)
{
    public ulong SessionId { get; init; } = 1;

    public ulong SessionVersion { get; init; } = 1;

    /// <summary>Write <c>a=extmap-allow-mixed</c> (RFC 8285 §6): we accept one- and two-byte header extensions mixed.</summary>
    public bool ExtMapAllowMixed { get; init; }
}

/// <summary>What we can do for one media kind when answering: our codecs (PTs ignored; RTX entries mean "RTX supported").</summary>
public sealed record SdpMediaCapabilities(IReadOnlyList<SdpCodec> Codecs)
{
    /// <summary>Header extension URIs we understand; the remote ids are kept.</summary>
    public IReadOnlyList<string> HeaderExtensionUris { get; init; } = [];

    /// <summary>The direction we want; the answer is this intersected with the reverse of the offer's.</summary>
    public SdpDirection Direction { get; init; } = SdpDirection.SendRecv;

    /// <summary>Our outgoing track for the first accepted m-line of this kind; without one we cannot send.</summary>
    public SdpLocalTrack? Track { get; init; }

    /// <summary>Our receive limit in bit/s. The answer writes the smaller of this and the offer's own b= value.</summary>
    public long? MaxReceiveBitrateBps { get; init; }
}

/// <summary>Everything <see cref="SdpAnswerBuilder"/> needs.</summary>
public sealed record SdpAnswerOptions(SdpTransportParameters Transport)
{
    public SdpMediaCapabilities? Audio { get; init; }

    public SdpMediaCapabilities? Video { get; init; }

    public ulong SessionId { get; init; } = 1;

    public ulong SessionVersion { get; init; } = 1;

    /// <summary>Echo <c>a=extmap-allow-mixed</c> when the offer has it.</summary>
    public bool ExtMapAllowMixed { get; init; }

    public SdpMediaCapabilities? For(string mediaType) => mediaType switch
    {
        MediaDescription.AudioMedia => Audio,
        MediaDescription.VideoMedia => Video,
        _ => null,
    };
}
