using System.Buffers.Binary;
using CallBot.Rtc.Rtp;

namespace CallBot.Rtc.Fec;

/// <summary>The payload types one protected sending stream uses (from the negotiated m-line).</summary>
/// <param name="Media">The media codec's payload type (what <see cref="RtpStreamSender"/> writes).</param>
/// <param name="Red">RED's payload type: every media packet goes out wrapped in it.</param>
/// <param name="Ulpfec">ULPFEC's payload type (a RED block), null when only RED was negotiated (no FEC is sent).</param>
internal sealed record FecPayloadTypes(byte Media, byte Red, byte? Ulpfec);

/// <summary>
/// The send side of the <c>fec</c> stage for one video stream, as Chrome sends it (RFC 2198 + RFC 5109): each media packet
/// goes out as RED with one block, and is XORed into a ULPFEC group (<see cref="UlpfecEncoder"/>) of at most
/// <see cref="FecProtection.GroupSize"/> packets (from the loss the peer reports, chosen at each frame's first packet);
/// a frame's groups close at its last packet, and their FEC packets go out right after it, each a RED block with the
/// next number of the media's sequence space (<paramref name="reserveSequence"/>). The protected packet is the plain
/// media packet (what the receiver rebuilds after taking the RED header off). Retransmissions (RTX) pass untouched.
/// </summary>
/// <remarks>
/// <para>
/// A FEC packet never takes a number inside a frame: libwebrtc's receiver (<c>PacketBuffer::PotentialNewFrame</c>)
/// assembles a frame only from media packets with consecutive numbers, and a FEC number it holds as padding outside
/// that buffer, so a frame with a FEC packet between two of its packets is never complete (and every frame after it
/// waits for a keyframe). libwebrtc's own <c>UlpfecGenerator</c> makes FEC only at a frame's last packet for the same
/// reason. Until this was so, Chromium decoded 15 % of our frames at 10 % loss (docs/performance.md, the fec section).
/// </para>
/// <para>
/// Runs in the writer chain on the producer's thread (the send stream's lock held). Buffers of a datagram each: RED,
/// FEC, the last header, and one encoder per group of a frame (up to <see cref="MaxGroupsPerFrame"/>, created the
/// first time a frame needs that many, then kept); nothing per packet. A packet that does not fit them goes out
/// unprotected, as it came.
/// </para>
/// </remarks>
/// <param name="mediaSsrc">The protected stream's SSRC.</param>
/// <param name="reserveSequence">The next number of the media's sequence space, for a FEC packet.</param>
/// <param name="lossFraction">The loss the peer last reported (0..1).</param>
/// <param name="targetKbps">The stream's target bitrate (what it may send, FEC included); 0 = unknown.</param>
/// <param name="time">The clock the media rate is measured on.</param>
internal sealed class FecStreamSender(
    uint mediaSsrc, Func<ushort?> reserveSequence, Func<double> lossFraction, Func<int> targetKbps, TimeProvider time)
{
    /// <summary>Most ULPFEC groups (encoders) one frame uses; the last one takes the rest of a larger frame (≤ 48 numbers).</summary>
    public const int MaxGroupsPerFrame = 16;

    private const int PaddingBit = 0x20;
    private const int MarkerBit = 0x80;
    private const int BufferSize = UlpfecPacket.MaxMediaPacketSize + UlpfecPacket.HeaderSize + UlpfecPacket.LongLevelHeaderSize + 64;

    /// <summary>FEC bytes the budget may save up: four full FEC packets.</summary>
    private const double MaxCredit = 4 * BufferSize;

    /// <summary>The media rate is measured over windows of at least this long (a few frames even at low frame rates).</summary>
    private static readonly TimeSpan RateWindow = TimeSpan.FromMilliseconds(500);

    private readonly UlpfecEncoder?[] _groups = new UlpfecEncoder?[MaxGroupsPerFrame];
    private readonly byte[] _red = new byte[BufferSize];
    private readonly byte[] _fec = new byte[BufferSize];
    private readonly byte[] _lastHeader = new byte[UlpfecPacket.MaxMediaPacketSize];
    private int _openGroups;
    private int _lastHeaderLength;
    private int _groupSize;
    private uint _frameTimestamp;
    private bool _started;
    private ushort _lastProtected;
    private bool _hasProtected;
    private long _redPacketsSent;
    private long _fecPacketsSent;
    private long _fecBytesSent;
    private long _fecPacketsWithheld;
    private long _rateWindowStart = -1;
    private long _rateWindowBytes;
    private int _mediaKbps;
    private double _headroom = double.PositiveInfinity;
    private double _credit;

    private volatile FecPayloadTypes? _payloadTypes;

    /// <summary>The payload types in use (set after a negotiation, read by the producer); null = pass every packet on unchanged.</summary>
    public FecPayloadTypes? PayloadTypes
    {
        get => _payloadTypes;
        set => _payloadTypes = value;
    }

    /// <summary>Media packets sent wrapped in RED.</summary>
    public long RedPacketsSent => Volatile.Read(ref _redPacketsSent);

    /// <summary>ULPFEC packets sent, and their bytes (RTP header included): the overhead FEC costs.</summary>
    public long FecPacketsSent => Volatile.Read(ref _fecPacketsSent);

    public long FecBytesSent => Volatile.Read(ref _fecBytesSent);

    /// <summary>FEC packets not sent because the target left no room for them (or no sequence number was available).</summary>
    public long FecPacketsWithheld => Volatile.Read(ref _fecPacketsWithheld);

    /// <summary>The media rate last measured (RED-wrapped media packets, FEC not included), kbit/s; 0 before one window.</summary>
    public int MediaKbps => Volatile.Read(ref _mediaKbps);

    /// <summary>Writes <paramref name="packet"/> (and, after a frame's last packet, the FEC packets of its groups) to <paramref name="next"/>.</summary>
    public void Write(ReadOnlySpan<byte> packet, RtpPacketHandler next)
    {
        if (PayloadTypes is not { } types
            || !RtpHeader.TryParse(packet, out var header, out var headerLength, out _)
            || header.Ssrc != mediaSsrc || header.PayloadType != types.Media
            || packet.Length + RedPayload.PrimaryHeaderSize > _red.Length)
        {
            next(packet);
            return;
        }

        var payload = packet[headerLength..^header.PaddingLength];
        _rateWindowBytes += packet.Length + RedPayload.PrimaryHeaderSize;
        if (!double.IsPositiveInfinity(_headroom))
        {
            // FEC bytes earned by this media packet; a few packets' worth may be saved up (a key frame's groups).
            _credit = Math.Min(_credit + ((packet.Length + RedPayload.PrimaryHeaderSize) * _headroom), MaxCredit);
        }

        var isNew = !_hasProtected || (short)(header.SequenceNumber - _lastProtected) > 0;
        if (types.Ulpfec is not null && isNew)
        {
            if (_openGroups > 0 && header.Timestamp != _frameTimestamp)
            {
                // The last frame ended without its marker packet reaching us (it went out unprotected, above). Its groups
                // are dropped, not sent: this packet already holds the next number, so a FEC packet reserved now would be
                // numbered inside the new frame, the very thing libwebrtc cannot assemble.
                _openGroups = 0;
            }

            Protect(packet, header, headerLength);
        }

        // The RED packet: the same header with RED's payload type, then one block header (the media's) and the payload.
        packet[..headerLength].CopyTo(_red);
        _red[0] &= unchecked((byte)~PaddingBit);
        _red[1] = (byte)((_red[1] & MarkerBit) | types.Red);
        _red[headerLength] = types.Media;
        payload.CopyTo(_red.AsSpan(headerLength + RedPayload.PrimaryHeaderSize));
        Volatile.Write(ref _redPacketsSent, _redPacketsSent + 1);
        next(_red.AsSpan(0, headerLength + RedPayload.PrimaryHeaderSize + payload.Length));

        if (types.Ulpfec is { } ulpfec && isNew && header.Marker)
        {
            SendGroups(ulpfec, types.Red, next);
        }
    }

    private void Protect(ReadOnlySpan<byte> packet, in RtpHeader header, int headerLength)
    {
        if (!_started || header.Timestamp != _frameTimestamp)
        {
            // A new frame: its protection is chosen now, from the loss the peer last reported; what the target leaves
            // above the media rate bounds what its FEC may cost.
            _started = true;
            _frameTimestamp = header.Timestamp;
            MeasureMediaRate();
            _groupSize = FecProtection.GroupSize(lossFraction(), keyFrame: false);
            _headroom = FecProtection.Headroom(targetKbps(), _mediaKbps);
        }

        _hasProtected = true;
        _lastProtected = header.SequenceNumber;
        if (_groupSize == 0)
        {
            return;
        }

        if (_openGroups == 0 || (_groups[_openGroups - 1]!.Count >= _groupSize && _openGroups < MaxGroupsPerFrame))
        {
            OpenGroup();
        }

        if (!_groups[_openGroups - 1]!.Add(packet) && _openGroups < MaxGroupsPerFrame)
        {
            // Too far from the open group's first number (or too long): a group of its own, sent with the others.
            OpenGroup();
            if (!_groups[_openGroups - 1]!.Add(packet))
            {
                return;
            }
        }

        packet[..headerLength].CopyTo(_lastHeader);
        _lastHeaderLength = headerLength;
    }

    private void MeasureMediaRate()
    {
        var now = time.GetTimestamp();
        if (_rateWindowStart < 0)
        {
            _rateWindowStart = now;
            _rateWindowBytes = 0;
            return;
        }

        var elapsed = time.GetElapsedTime(_rateWindowStart, now);
        if (elapsed >= RateWindow)
        {
            // The bytes counted include the packet that starts this frame: close enough over a 500 ms window.
            Volatile.Write(ref _mediaKbps, (int)Math.Min(int.MaxValue, _rateWindowBytes * 8 / elapsed.TotalMilliseconds));
            _rateWindowStart = now;
            _rateWindowBytes = 0;
        }
    }

    private void OpenGroup()
    {
        var group = _groups[_openGroups] ??= new UlpfecEncoder();
        group.Reset();
        _openGroups++;
    }

    /// <summary>Sends the FEC packet of every open group, in the order of their first numbers, and closes them.</summary>
    private void SendGroups(byte ulpfec, byte red, RtpPacketHandler next)
    {
        for (var i = 0; i < _openGroups; i++)
        {
            var group = _groups[i]!;
            if (group.Count > 0)
            {
                SendFec(group, ulpfec, red, next);
            }
        }

        _openGroups = 0;
    }

    private void SendFec(UlpfecEncoder group, byte ulpfec, byte red, RtpPacketHandler next)
    {
        var headerLength = _lastHeaderLength;
        if (!group.TryClose(_fec.AsSpan(headerLength + RedPayload.PrimaryHeaderSize), out var written))
        {
            group.Reset();
            return;
        }

        var length = headerLength + RedPayload.PrimaryHeaderSize + written;
        var limited = !double.IsPositiveInfinity(_headroom);
        if ((limited && _credit < length) || reserveSequence() is not { } sequence)
        {
            // Over the budget the group goes unprotected (counted), rather than the sender going over its target.
            Volatile.Write(ref _fecPacketsWithheld, _fecPacketsWithheld + 1);
            return;
        }

        if (limited)
        {
            _credit -= length;
        }

        // The frame's last protected packet's header (SSRC, timestamp, extensions) with RED's payload type, no marker, its own number.
        _lastHeader.AsSpan(0, headerLength).CopyTo(_fec);
        _fec[0] &= unchecked((byte)~PaddingBit);
        _fec[1] = red;
        BinaryPrimitives.WriteUInt16BigEndian(_fec.AsSpan(2), sequence);
        _fec[headerLength] = ulpfec;
        Volatile.Write(ref _fecPacketsSent, _fecPacketsSent + 1);
        Volatile.Write(ref _fecBytesSent, _fecBytesSent + length);
        next(_fec.AsSpan(0, length));
    }
}
