using System.Buffers.Binary;
using CallBot.Rtc.Stun;

namespace CallBot.Rtc.Turn;

/// <summary>
/// Splits the byte stream of TURN over TCP/TLS into messages (RFC 8656 §12.5): a STUN message is
/// 20 + its Length field; a ChannelData message is 4 + Length padded to 4. Anything else means the
/// stream lost sync and the connection must be closed.
/// </summary>
public static class TurnStreamFraming
{
    /// <summary>Largest frame we accept on a stream (a STUN or ChannelData header cannot announce more than 64 KiB + header).</summary>
    public const int MaxFrameSize = ushort.MaxValue + StunConstants.HeaderSize + 3;

    public enum Result
    {
        /// <summary>A whole frame of <c>frameSize</c> bytes is at the start of the buffer.</summary>
        Complete,

        /// <summary>More bytes are needed.</summary>
        NeedMore,

        /// <summary>The first byte is neither STUN nor ChannelData: close the connection.</summary>
        Invalid,
    }

    public static Result TryGetFrameSize(ReadOnlySpan<byte> buffered, out int frameSize)
    {
        frameSize = 0;
        if (buffered.Length == 0)
        {
            return Result.NeedMore;
        }

        var top = buffered[0] & 0xC0;
        if (top == 0)
        {
            if (buffered.Length < StunConstants.HeaderSize)
            {
                return Result.NeedMore;
            }

            if (BinaryPrimitives.ReadUInt32BigEndian(buffered[StunConstants.CookieOffset..]) != StunConstants.MagicCookie)
            {
                return Result.Invalid;
            }

            frameSize = StunConstants.HeaderSize + BinaryPrimitives.ReadUInt16BigEndian(buffered[StunConstants.LengthOffset..]);
        }
        else if (top == 0x40)
        {
            if (buffered.Length < ChannelData.HeaderSize)
            {
                return Result.NeedMore;
            }

            frameSize = ChannelData.GetFrameSize(BinaryPrimitives.ReadUInt16BigEndian(buffered[2..]), padded: true);
        }
        else
        {
            return Result.Invalid;
        }

        return buffered.Length >= frameSize ? Result.Complete : Result.NeedMore;
    }
}
