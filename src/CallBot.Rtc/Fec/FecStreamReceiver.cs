using System.Buffers.Binary;
using CallBot.Rtc.Interceptors;
using CallBot.Rtc.Rtp;

namespace CallBot.Rtc.Fec;

/// <summary>The receive-side payload types of one protected m-line; 0 = not negotiated.</summary>
/// <param name="Red">RED's payload type.</param>
/// <param name="RedRtx">The RTX payload type whose apt is RED (Chrome retransmits RED packets in it).</param>
/// <param name="Ulpfec">ULPFEC's payload type (inside RED).</param>
internal readonly record struct FecReceiveTypes(byte Red, byte RedRtx, byte Ulpfec);

/// <summary>
/// The receive side of the <c>fec</c> stage for one transceiver: RED packets are rewritten in place, before the
/// payload-type demux, into the media packet they carry (video: one block; audio: the primary, and a redundant block
/// becomes the packet it repeats when that one was lost); a ULPFEC block goes to the <see cref="UlpfecDecoder"/> and its
/// sequence number reaches the jitter buffer as an empty packet (so nothing waits for or NACKs it); an RTX packet of a
/// RED packet becomes an RTX packet of the media. Every media packet the stream reads is remembered by the decoder, and
/// what it rebuilds is handed to the stream as if received.
/// </summary>
/// <remarks>
/// Remote values are bounded by <see cref="RedPayload"/> and <see cref="UlpfecDecoder"/>; a malformed packet is dropped and
/// counted (<see cref="Malformed"/>). Memory: the decoder's ~120 KB (video with ULPFEC only) and one datagram buffer.
/// Runs on the receive loop with the receive lock held; nothing is allocated per packet.
/// </remarks>
internal sealed class FecStreamReceiver
{
    private const int PaddingBit = 0x20;
    private const int MarkerBit = 0x80;
    private const int PayloadTypeMask = 0x7F;
    private const int OsnSize = 2;

    private readonly byte[] _rebuilt = new byte[UlpfecPacket.MaxMediaPacketSize];
    private UlpfecDecoder? _decoder;
    private RtpPacketReader? _reader;
    private uint _ssrc;
    private byte _mediaPayloadType;
    private ushort _highest;
    private bool _hasHighest;
    private long _recoveredBefore;
    private long _fecBefore;

    /// <summary>The payload types in use (the stage refreshes them after each negotiation).</summary>
    public FecReceiveTypes Types { get; set; }

    /// <summary>The RTX payload type of a media payload type (RTX of RED becomes RTX of the media), 0 = none.</summary>
    public Func<byte, byte> RtxOf { get; set; } = static _ => 0;

    /// <summary>RED packets received (media, FEC and redundant audio).</summary>
    public long RedReceived { get; private set; }

    /// <summary>ULPFEC packets accepted by the decoder, over every stream of this transceiver.</summary>
    public long FecReceived => _fecBefore + (_decoder?.FecReceived ?? 0);

    /// <summary>Media packets rebuilt from ULPFEC, over every stream of this transceiver.</summary>
    public long Recovered => _recoveredBefore + (_decoder?.Recovered ?? 0);

    /// <summary>Lost audio packets replaced by a redundant RED block.</summary>
    public long RedundancyUsed { get; private set; }

    /// <summary>RED or ULPFEC packets dropped: malformed block headers, FEC the decoder rejected (malformed or out of its window).</summary>
    public long Malformed { get; private set; }

    /// <summary>A new remote stream: what it reads goes to <paramref name="reader"/>; the decoder starts afresh.</summary>
    public void Bind(uint ssrc, byte mediaPayloadType, bool video, RtpPacketReader reader)
    {
        _recoveredBefore = Recovered;
        _fecBefore = FecReceived;
        _ssrc = ssrc;
        _mediaPayloadType = mediaPayloadType;
        _reader = reader;
        _hasHighest = false;
        _decoder = video && Types.Ulpfec != 0 ? new UlpfecDecoder() : null;
    }

    public void Unbind()
    {
        _reader = null;
        _recoveredBefore = Recovered;
        _fecBefore = FecReceived;
        _decoder = null;
    }

    /// <summary>
    /// The reader-chain step: the decoder remembers a media packet, the stream reads it, then whatever the decoder can
    /// now rebuild is read too (before a NACK would ask for it).
    /// </summary>
    public bool Read(ReadOnlySpan<byte> packet, out RtpDropReason reason, RtpPacketReader next)
    {
        var decoder = _decoder;
        if (decoder is not null && RtpHeader.TryParse(packet, out var header, out var headerLength, out _)
            && packet.Length - headerLength - header.PaddingLength > 0)
        {
            decoder.AddMedia(packet);
        }

        var ok = next(packet, out reason);
        if (decoder is not null && decoder.FecReceived > 0)
        {
            while (decoder.TryRecover(_rebuilt, out var written))
            {
                next(_rebuilt.AsSpan(0, written), out _);
            }
        }

        return ok;
    }

    /// <summary>Rewrites a RED (or RTX-of-RED) packet in place; false when <paramref name="packet"/> is neither.</summary>
    public bool TryUnwrap(Span<byte> packet, out int offset, out int length)
    {
        offset = 0;
        length = packet.Length;
        var types = Types;
        if (types.Red == 0 || packet.Length < RtpHeader.FixedSize)
        {
            return false;
        }

        var payloadType = (byte)(packet[1] & PayloadTypeMask);
        if (payloadType != types.Red && (types.RedRtx == 0 || payloadType != types.RedRtx))
        {
            return false;
        }

        length = 0;
        if (!RtpHeader.TryParse(packet, out var header, out var headerLength, out _))
        {
            Malformed++;
            return true;
        }

        RedReceived++;
        var isRtx = payloadType == types.RedRtx;
        var prefix = headerLength + (isRtx ? OsnSize : 0);
        var end = packet.Length - header.PaddingLength;
        Span<RedBlock> blocks = stackalloc RedBlock[RedPayload.MaxBlocks];
        if (end < prefix || !RedPayload.TryParse(packet[prefix..end], blocks, out var count, out _))
        {
            Malformed++;
            return true;
        }

        var primary = blocks[count - 1];
        var data = packet.Slice(prefix + primary.Offset, primary.Length);
        if (primary.PayloadType == types.Ulpfec && types.Ulpfec != 0)
        {
            return isRtx ? Fail() : AcceptFec(packet, headerLength, data, out length);
        }

        if (isRtx)
        {
            // RTX of RED: OSN + RED block header + media; keep the header and OSN, drop the block header, RTX PT of the media.
            var rtx = RtxOf(primary.PayloadType);
            if (rtx == 0 || count != 1)
            {
                return Fail();
            }

            offset = primary.Offset;
            packet[..prefix].CopyTo(packet[offset..]);
            SetPayloadType(packet[offset..], rtx);
            length = prefix + primary.Length;
            return true;
        }

        if (count > 1)
        {
            UseRedundancy(packet, header, headerLength, blocks[..count], prefix);
        }

        Track(header.SequenceNumber);

        // The header moves up to sit right before the primary block's data: header + media payload, in place.
        offset = primary.Offset;
        packet[..headerLength].CopyTo(packet[offset..]);
        SetPayloadType(packet[offset..], primary.PayloadType);
        length = headerLength + primary.Length;
        return true;
    }

    private bool AcceptFec(Span<byte> packet, int headerLength, ReadOnlySpan<byte> fec, out int length)
    {
        length = 0;
        var decoder = _decoder;
        if (decoder is null || _reader is null)
        {
            return true; // nothing to protect yet (no stream): the packet is useless, not malformed
        }

        if (!decoder.AddFec(fec))
        {
            Malformed++; // the decoder counts why (FecDropReason)
        }

        // Its sequence number still reaches the stream, as an empty packet of the media's payload type.
        SetPayloadType(packet, _mediaPayloadType);
        packet[1] &= PayloadTypeMask; // no marker
        length = headerLength;
        return true;
    }

    /// <summary>Audio RED: a redundant block whose packet was lost (its number never seen) is read as that packet.</summary>
    private void UseRedundancy(ReadOnlySpan<byte> packet, in RtpHeader header, int headerLength, ReadOnlySpan<RedBlock> blocks, int prefix)
    {
        if (_reader is not { } reader || header.Ssrc != _ssrc || !_hasHighest)
        {
            return;
        }

        // Block i of n - 1 redundant ones repeats the packet (n - 1 - i) numbers back (Chrome sends consecutive frames).
        var redundant = blocks.Length - 1;
        for (var i = 0; i < redundant; i++)
        {
            var sequence = (ushort)(header.SequenceNumber - (redundant - i));
            var block = blocks[i];
            if ((short)(sequence - _highest) <= 0 || block.Length == 0 || headerLength + block.Length > _rebuilt.Length)
            {
                continue;
            }

            packet[..headerLength].CopyTo(_rebuilt);
            _rebuilt[0] &= unchecked((byte)~PaddingBit);
            _rebuilt[1] = block.PayloadType; // no marker
            BinaryPrimitives.WriteUInt16BigEndian(_rebuilt.AsSpan(2), sequence);
            BinaryPrimitives.WriteUInt32BigEndian(_rebuilt.AsSpan(4), header.Timestamp - (uint)block.TimestampOffset);
            packet.Slice(prefix + block.Offset, block.Length).CopyTo(_rebuilt.AsSpan(headerLength));
            if (reader(_rebuilt.AsSpan(0, headerLength + block.Length), out _))
            {
                RedundancyUsed++;
            }
        }
    }

    private void Track(ushort sequence)
    {
        if (!_hasHighest || (short)(sequence - _highest) > 0)
        {
            _highest = sequence;
            _hasHighest = true;
        }
    }

    private bool Fail()
    {
        Malformed++;
        return true;
    }

    private static void SetPayloadType(Span<byte> packet, byte payloadType)
    {
        packet[0] &= unchecked((byte)~PaddingBit);
        packet[1] = (byte)((packet[1] & MarkerBit) | payloadType);
    }
}
