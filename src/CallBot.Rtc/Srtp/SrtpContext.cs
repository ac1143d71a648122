using System.Buffers.Binary;

namespace CallBot.Rtc.Srtp;

/// <summary>
/// One direction of SRTP/SRTCP (RFC 3711, RFC 7714): a sending context only protects, a receiving one only
/// unprotects. Works in place on the caller's (pooled) buffer and allocates nothing per packet; it allocates
/// once per new SSRC. <b>Not thread-safe</b>: one context is used by one thread at a time (the send path or
/// the receive loop), as in libsrtp and pion/srtp.
/// </summary>
/// <remarks>
/// Receive order per packet: parse → estimate index → replay check (cheap, no crypto) → authenticate and decrypt
/// → commit replay window and ROC. State for an unknown SSRC is created only after its first packet authenticated,
/// so forged SSRCs cannot grow the stream table.
/// </remarks>
public sealed class SrtpContext : IDisposable
{
    //  0                   1                   2                   3
    //  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |V=2|P|X|  CC   |M|     PT      |       sequence number         |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                           timestamp                           |
    // +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
    // |                             SSRC                              |
    // +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
    // |                  CSRC list (CC * 4 bytes) ...                 |
    // | 0xBEDE / profile      |   extension length (32-bit words)     |  if X
    private const int RtpFixedHeaderLength = 12;
    private const int RtpVersion = 2;
    private const int VersionShift = 6;
    private const int ExtensionBit = 0x10;
    private const int CsrcCountMask = 0x0F;
    private const int SequenceOffset = 2;
    private const int SsrcOffset = 8;
    private const int ExtensionHeaderLength = 4;
    private const int RtcpSenderSsrcOffset = 4;

    private readonly SrtpCipher _cipher;
    private readonly SrtpContextOptions _options;
    private readonly Dictionary<uint, SrtpStreamState> _streams = [];
    private SrtpStreamState _spare;

    public SrtpContext(SrtpProfile profile, ReadOnlySpan<byte> masterKey, ReadOnlySpan<byte> masterSalt, SrtpContextOptions? options = null)
        : this(profile, SrtpSessionKeys.Derive(profile, masterKey, masterSalt), options)
    {
    }

    internal SrtpContext(SrtpProfile profile, SrtpSessionKeys keys, SrtpContextOptions? options)
    {
        ArgumentNullException.ThrowIfNull(profile);
        Profile = profile;
        _options = options ?? SrtpContextOptions.Default;
        _cipher = profile.IsAead ? new AesGcmCipher(keys) : new AesCmHmacSha1Cipher(profile, keys);
        _spare = new SrtpStreamState(_options.ReplayWindowSize);
    }

    public SrtpProfile Profile { get; }

    public SrtpDropCounters Drops { get; } = new();

    /// <summary>Number of SSRCs this context tracks.</summary>
    public int StreamCount => _streams.Count;

    /// <summary>
    /// Encrypts the RTP packet in buffer[..length] and appends the tag. The buffer must have
    /// <see cref="SrtpProfile.RtpOverhead"/> spare bytes after the packet.
    /// </summary>
    public bool TryProtectRtp(Span<byte> buffer, int length, out int newLength) => TryProtectRtp(buffer, length, out newLength, out _);

    public bool TryProtectRtp(Span<byte> buffer, int length, out int newLength, out SrtpDropReason reason)
    {
        newLength = 0;
        if (!TryReadRtpHeader(buffer, length, 0, out var headerLength, out reason))
        {
            return false;
        }

        if (!TryGetSendingStream(buffer, length, Profile.RtpAuthTagLength, SsrcOffset, out var ssrc, out var stream, out reason))
        {
            return false;
        }

        var sequence = BinaryPrimitives.ReadUInt16BigEndian(buffer[SequenceOffset..]);
        if (!stream.HasRtp)
        {
            stream.HasRtp = true;
            stream.HighestSequence = sequence;
        }

        var roc = SrtpIndex.EstimateRoc(stream.Roc, stream.HighestSequence, sequence);
        SrtpIndex.Update(ref stream.Roc, ref stream.HighestSequence, roc, sequence);
        _cipher.ProtectRtp(buffer, headerLength, length, ssrc, roc, SrtpIndex.Compose(roc, sequence));
        newLength = length + Profile.RtpAuthTagLength;
        return true;
    }

    /// <summary>Verifies, replay-checks and decrypts the SRTP packet in buffer[..length]; the RTP packet is buffer[..newLength].</summary>
    public bool TryUnprotectRtp(Span<byte> buffer, int length, out int newLength) => TryUnprotectRtp(buffer, length, out newLength, out _);

    public bool TryUnprotectRtp(Span<byte> buffer, int length, out int newLength, out SrtpDropReason reason)
    {
        newLength = 0;
        if (!TryReadRtpHeader(buffer, length, Profile.RtpAuthTagLength, out var headerLength, out reason))
        {
            return false;
        }

        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[SsrcOffset..]);
        var sequence = BinaryPrimitives.ReadUInt16BigEndian(buffer[SequenceOffset..]);
        if (!TryGetReceivingStream(ssrc, out var stream, out var known, out reason))
        {
            return false;
        }

        // Nothing in the stream changes until the packet authenticated: a first RTP packet takes s_l = SEQ, ROC = 0.
        var hasRtp = stream.HasRtp;
        var currentRoc = hasRtp ? stream.Roc : 0;
        var highest = hasRtp ? stream.HighestSequence : sequence;
        var roc = SrtpIndex.EstimateRoc(currentRoc, highest, sequence);
        var index = SrtpIndex.Compose(roc, sequence);
        if (!CheckReplay(stream.RtpWindow, index, out reason))
        {
            return false;
        }

        if (!_cipher.UnprotectRtp(buffer, headerLength, length, ssrc, roc, index))
        {
            reason = Drops.Count(SrtpDropReason.AuthFailed);
            return false;
        }

        stream.RtpWindow.Commit(index);
        SrtpIndex.Update(ref currentRoc, ref highest, roc, sequence);
        stream.HasRtp = true;
        stream.Roc = currentRoc;
        stream.HighestSequence = highest;
        if (!known)
        {
            AdoptSpare(ssrc);
        }

        newLength = length - Profile.RtpAuthTagLength;
        return true;
    }

    /// <summary>Encrypts the RTCP compound packet in buffer[..length] and appends E||index and the tag (<see cref="SrtpProfile.RtcpOverhead"/> bytes).</summary>
    public bool TryProtectRtcp(Span<byte> buffer, int length, out int newLength) => TryProtectRtcp(buffer, length, out newLength, out _);

    public bool TryProtectRtcp(Span<byte> buffer, int length, out int newLength, out SrtpDropReason reason)
    {
        newLength = 0;
        if (!TryReadRtcpHeader(buffer, length, 0, out reason))
        {
            return false;
        }

        if (!TryGetSendingStream(buffer, length, Profile.RtcpOverhead, RtcpSenderSsrcOffset, out var ssrc, out var stream, out reason))
        {
            return false;
        }

        var index = stream.NextSrtcpIndex;
        stream.NextSrtcpIndex = (index + 1) & 0x7FFF_FFFF;
        newLength = _cipher.ProtectRtcp(buffer, length, ssrc, index);
        return true;
    }

    /// <summary>Verifies, replay-checks and decrypts the SRTCP packet in buffer[..length]; the RTCP packet is buffer[..newLength].</summary>
    public bool TryUnprotectRtcp(Span<byte> buffer, int length, out int newLength) => TryUnprotectRtcp(buffer, length, out newLength, out _);

    public bool TryUnprotectRtcp(Span<byte> buffer, int length, out int newLength, out SrtpDropReason reason)
    {
        newLength = 0;
        if (!TryReadRtcpHeader(buffer, length, Profile.RtcpOverhead, out reason))
        {
            return false;
        }

        var ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[RtcpSenderSsrcOffset..]);
        if (!TryGetReceivingStream(ssrc, out var stream, out var known, out reason))
        {
            return false;
        }

        var indexWord = _cipher.ReadSrtcpIndexWord(buffer, length);
        var index = indexWord & ~SrtpCipher.SrtcpEncryptedFlag;
        if (!CheckReplay(stream.RtcpWindow, index, out reason))
        {
            return false;
        }

        var plainLength = _cipher.UnprotectRtcp(buffer, length, ssrc, indexWord);
        if (plainLength < 0)
        {
            reason = Drops.Count(SrtpDropReason.AuthFailed);
            return false;
        }

        stream.RtcpWindow.Commit(index);
        if (!known)
        {
            AdoptSpare(ssrc);
        }

        newLength = plainLength;
        return true;
    }

    public void Dispose() => _cipher.Dispose();

    private bool CheckReplay(ReplayWindow window, ulong index, out SrtpDropReason reason)
    {
        switch (window.Check(index))
        {
            case ReplayCheck.Replayed:
                reason = Drops.Count(SrtpDropReason.Replayed);
                return false;
            case ReplayCheck.TooOld:
                reason = Drops.Count(SrtpDropReason.TooOld);
                return false;
            default:
                reason = SrtpDropReason.None;
                return true;
        }
    }

    /// <summary>
    /// The sending state for the SSRC at <paramref name="ssrcOffset"/>, once the buffer has room for the
    /// <paramref name="overhead"/> protection adds (shared by the RTP and RTCP protect paths).
    /// </summary>
    private bool TryGetSendingStream(ReadOnlySpan<byte> buffer, int length, int overhead, int ssrcOffset, out uint ssrc, out SrtpStreamState stream, out SrtpDropReason reason)
    {
        ssrc = 0;
        stream = null!;
        if (buffer.Length < length + overhead)
        {
            reason = Drops.Count(SrtpDropReason.BufferTooSmall);
            return false;
        }

        ssrc = BinaryPrimitives.ReadUInt32BigEndian(buffer[ssrcOffset..]);
        reason = SrtpDropReason.None;
        if (_streams.TryGetValue(ssrc, out stream!))
        {
            return true;
        }

        if (_streams.Count >= _options.MaxStreams)
        {
            reason = Drops.Count(SrtpDropReason.TooManyStreams);
            return false;
        }

        stream = new SrtpStreamState(_options.ReplayWindowSize);
        _streams.Add(ssrc, stream);
        return true;
    }

    /// <summary>
    /// The receiving state for ssrc; an unknown SSRC gets the reset spare, which joins the table (<see cref="AdoptSpare"/>)
    /// only once a packet authenticated, so forged packets cannot fill the table.
    /// </summary>
    private bool TryGetReceivingStream(uint ssrc, out SrtpStreamState stream, out bool known, out SrtpDropReason reason)
    {
        reason = SrtpDropReason.None;
        known = _streams.TryGetValue(ssrc, out stream!);
        if (known)
        {
            return true;
        }

        if (_streams.Count >= _options.MaxStreams)
        {
            reason = Drops.Count(SrtpDropReason.TooManyStreams);
            return false;
        }

        stream = _spare;
        stream.Reset();
        return true;
    }

    private void AdoptSpare(uint ssrc)
    {
        _streams.Add(ssrc, _spare);
        _spare = new SrtpStreamState(_options.ReplayWindowSize);
    }

    private bool TryReadRtpHeader(ReadOnlySpan<byte> buffer, int length, int trailerLength, out int headerLength, out SrtpDropReason reason)
    {
        headerLength = 0;
        reason = SrtpDropReason.None;
        if (length < RtpFixedHeaderLength + trailerLength || length > buffer.Length)
        {
            reason = Drops.Count(SrtpDropReason.TooShort);
            return false;
        }

        var first = buffer[0];
        if (first >> VersionShift != RtpVersion)
        {
            reason = Drops.Count(SrtpDropReason.MalformedHeader);
            return false;
        }

        headerLength = RtpFixedHeaderLength + (4 * (first & CsrcCountMask));
        if ((first & ExtensionBit) != 0)
        {
            if (headerLength + ExtensionHeaderLength > length - trailerLength)
            {
                reason = Drops.Count(SrtpDropReason.MalformedHeader);
                return false;
            }

            var words = BinaryPrimitives.ReadUInt16BigEndian(buffer[(headerLength + 2)..]);
            headerLength += ExtensionHeaderLength + (4 * words);
        }

        if (headerLength > length - trailerLength)
        {
            reason = Drops.Count(SrtpDropReason.MalformedHeader);
            return false;
        }

        return true;
    }

    private bool TryReadRtcpHeader(ReadOnlySpan<byte> buffer, int length, int trailerLength, out SrtpDropReason reason)
    {
        reason = SrtpDropReason.None;
        if (length < SrtpCipher.RtcpHeaderLength + trailerLength || length > buffer.Length)
        {
            reason = Drops.Count(SrtpDropReason.TooShort);
            return false;
        }

        if (buffer[0] >> VersionShift != RtpVersion)
        {
            reason = Drops.Count(SrtpDropReason.MalformedHeader);
            return false;
        }

        return true;
    }
}
