using System.Buffers.Binary;
using CallBot.Abstractions;

namespace CallBot.Recording.Mkv;

/// <summary>
/// H.264 Annex B (start codes) to the AVC form Matroska stores (4-byte big-endian NAL lengths, RFC 9559 / ISO 14496-15),
/// plus the avcC decoder configuration record built from the first SPS and PPS.
/// </summary>
internal static class AnnexB
{
    private const int NalTypeMask = 0x1F;
    private const int NalTypeSps = 7;
    private const int NalTypePps = 8;
    private const int LengthPrefix = 4;

    /// <summary>Upper bound of the converted size: every start code becomes a 4-byte length.</summary>
    public static int MaxConvertedLength(int annexBLength) => annexBLength + annexBLength / 3 + LengthPrefix;

    /// <summary>Writes length-prefixed NAL units into <paramref name="destination"/>; returns bytes written, -1 if it does not fit.</summary>
    public static int ConvertToLengthPrefixed(ReadOnlySpan<byte> annexB, Span<byte> destination)
    {
        var written = 0;
        var nals = new AnnexBNalReader(annexB);
        while (nals.MoveNext())
        {
            var nal = nals.Current;
            if (written + LengthPrefix + nal.Length > destination.Length)
            {
                return -1;
            }

            BinaryPrimitives.WriteInt32BigEndian(destination[written..], nal.Length);
            nal.CopyTo(destination[(written + LengthPrefix)..]);
            written += LengthPrefix + nal.Length;
        }

        return written;
    }

    /// <summary>
    /// Builds an AVCDecoderConfigurationRecord (ISO 14496-15 §5.3.3.1) from the first SPS and PPS in an access unit.
    /// <code>
    /// | version=1 | profile | compat | level | 0xFF (4-byte lengths) | 0xE1 (1 SPS) | len16 | SPS | 1 | len16 | PPS |
    /// </code>
    /// </summary>
    public static bool TryBuildAvcConfig(ReadOnlySpan<byte> accessUnit, out byte[] avcC)
    {
        avcC = [];
        ReadOnlySpan<byte> sps = default;
        ReadOnlySpan<byte> pps = default;
        var nals = new AnnexBNalReader(accessUnit);
        while (nals.MoveNext())
        {
            var type = nals.Current[0] & NalTypeMask;
            if (type == NalTypeSps && sps.IsEmpty)
            {
                sps = nals.Current;
            }
            else if (type == NalTypePps && pps.IsEmpty)
            {
                pps = nals.Current;
            }
        }

        // avcC stores each parameter set's length in 16 bits (ISO/IEC 14496-15 §5.3.3.1): a longer one from a hostile
        // sender would wrap and leave CodecPrivate unparseable, so it is refused like a missing one.
        if (sps.Length < 4 || pps.IsEmpty || sps.Length > ushort.MaxValue || pps.Length > ushort.MaxValue)
        {
            return false;
        }

        var config = new byte[11 + sps.Length + pps.Length];
        config[0] = 1;
        config[1] = sps[1];
        config[2] = sps[2];
        config[3] = sps[3];
        config[4] = 0xFF;
        config[5] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(config.AsSpan(6), (ushort)sps.Length);
        sps.CopyTo(config.AsSpan(8));
        var p = 8 + sps.Length;
        config[p] = 1;
        BinaryPrimitives.WriteUInt16BigEndian(config.AsSpan(p + 1), (ushort)pps.Length);
        pps.CopyTo(config.AsSpan(p + 3));
        avcC = config;
        return true;
    }
}
