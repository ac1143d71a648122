using System.Buffers.Binary;

namespace CallBot.Rtc.Rtp;

/// <summary>
/// The header extensions CallBot sends (RFC 8285): abs-send-time, transport-wide-cc sequence number and sdes:mid.
/// An id of 0 leaves an extension out. The one-byte form is used unless an id is above 14 or the MID is longer than 16 bytes.
/// </summary>
public readonly record struct RtpHeaderExtensionSet
{
    private const int ExtensionHeaderSize = 4;
    private const int AbsSendTimeLength = 3;
    private const int TransportSequenceLength = 2;

    /// <summary>Negotiated id of http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time (0 = off).</summary>
    public byte AbsSendTimeId { get; init; }

    /// <summary>24-bit 6.18 fixed-point seconds (see <see cref="AbsSendTime"/>).</summary>
    public uint AbsSendTime { get; init; }

    /// <summary>Negotiated id of http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01 (0 = off).</summary>
    public byte TransportSequenceId { get; init; }

    public ushort TransportSequenceNumber { get; init; }

    /// <summary>Negotiated id of urn:ietf:params:rtp-hdrext:sdes:mid (0 = off).</summary>
    public byte MidId { get; init; }

    /// <summary>The MID as ASCII bytes (kept as bytes so writing does not encode a string per packet).</summary>
    public ReadOnlyMemory<byte> Mid { get; init; }

    public bool IsEmpty => AbsSendTimeId == 0 && TransportSequenceId == 0 && (MidId == 0 || Mid.IsEmpty);

    private bool UsesTwoByte =>
        AbsSendTimeId > RtpHeaderExtensionReader.OneByteMaxId
        || TransportSequenceId > RtpHeaderExtensionReader.OneByteMaxId
        || (MidId != 0 && (MidId > RtpHeaderExtensionReader.OneByteMaxId || Mid.Length > RtpHeaderExtensionReader.OneByteMaxLength));

    /// <summary>Bytes of the whole extension: the 4-byte profile/length word plus elements padded to 32 bits; 0 when empty.</summary>
    public int GetSize()
    {
        if (IsEmpty)
        {
            return 0;
        }

        var elementHeader = UsesTwoByte ? 2 : 1;
        var elements = 0;
        if (AbsSendTimeId != 0)
        {
            elements += elementHeader + AbsSendTimeLength;
        }

        if (TransportSequenceId != 0)
        {
            elements += elementHeader + TransportSequenceLength;
        }

        if (MidId != 0 && !Mid.IsEmpty)
        {
            elements += elementHeader + Mid.Length;
        }

        return ExtensionHeaderSize + ((elements + 3) & ~3);
    }

    /// <summary>Writes exactly <see cref="GetSize"/> bytes into <paramref name="destination"/>.</summary>
    internal void Write(Span<byte> destination)
    {
        var twoByte = UsesTwoByte;
        BinaryPrimitives.WriteUInt16BigEndian(destination, twoByte ? RtpHeaderExtensionReader.TwoByteProfile : RtpHeaderExtensionReader.OneByteProfile);
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)((destination.Length - ExtensionHeaderSize) / 4));
        var offset = ExtensionHeaderSize;
        Span<byte> scratch = stackalloc byte[3];
        if (AbsSendTimeId != 0)
        {
            scratch[0] = (byte)(AbsSendTime >> 16);
            scratch[1] = (byte)(AbsSendTime >> 8);
            scratch[2] = (byte)AbsSendTime;
            offset += WriteElement(destination[offset..], twoByte, AbsSendTimeId, scratch[..AbsSendTimeLength]);
        }

        if (TransportSequenceId != 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(scratch, TransportSequenceNumber);
            offset += WriteElement(destination[offset..], twoByte, TransportSequenceId, scratch[..TransportSequenceLength]);
        }

        if (MidId != 0 && !Mid.IsEmpty)
        {
            offset += WriteElement(destination[offset..], twoByte, MidId, Mid.Span);
        }

        destination[offset..].Clear();
    }

    private static int WriteElement(Span<byte> destination, bool twoByte, byte id, ReadOnlySpan<byte> data)
    {
        if (twoByte)
        {
            destination[0] = id;
            destination[1] = (byte)data.Length;
            data.CopyTo(destination[2..]);
            return 2 + data.Length;
        }

        destination[0] = (byte)((id << 4) | (data.Length - 1));
        data.CopyTo(destination[1..]);
        return 1 + data.Length;
    }
}
