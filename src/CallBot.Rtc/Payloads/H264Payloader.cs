using System.Buffers.Binary;

namespace CallBot.Rtc.Payloads;

/// <summary>
/// H.264 payloader, RFC 6184 packetization-mode=1. The input is one access unit in Annex B form. Consecutive NAL units
/// that fit together go into one STAP-A (typically SPS+PPS+small slices), a NAL unit that fits alone goes as a single
/// NAL unit packet, and a larger one is cut into FU-A fragments. AUD and filler units are not sent.
/// </summary>
/// <remarks>
/// <code>
/// STAP-A:  |F|NRI| 24 | NALU 1 size (16) | NALU 1 | NALU 2 size | NALU 2 | ...
/// FU-A:    |F|NRI| 28 | |S|E|R| type | fragment ...
/// </code>
/// </remarks>
public sealed class H264Payloader : IPayloader
{
    private const int StapAHeaderSize = 1;
    private const int NalSizeField = 2;
    private const int FuAHeaderSize = 2;
    private const byte FuStart = 0x80;
    private const byte FuEnd = 0x40;

    private byte[] _scratch = [];

    public int Payload<TState>(int maxPayloadSize, ReadOnlySpan<byte> frame, PayloadSink<TState> sink, TState state)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (maxPayloadSize <= FuAHeaderSize + 1)
        {
            return 0;
        }

        if (_scratch.Length < maxPayloadSize)
        {
            _scratch = new byte[maxPayloadSize];
        }

        var emitted = 0;
        var reader = new AnnexBNalReader(frame);
        var hasCurrent = NextSendable(ref reader, out var current);
        scoped ReadOnlySpan<byte> single = default; // one pending unit not yet copied
        var aggregated = 0;                   // bytes in _scratch when a STAP-A is being built
        while (hasCurrent)
        {
            var hasNext = NextSendable(ref reader, out var next);
            if (current.Length > maxPayloadSize)
            {
                emitted += Flush(ref single, ref aggregated, sink, state, isLast: false);
                emitted += EmitFragments(maxPayloadSize, current, sink, state, isLast: !hasNext);
            }
            else if (single.IsEmpty && aggregated == 0)
            {
                single = current;
            }
            else
            {
                var size = aggregated > 0 ? aggregated : StapAHeaderSize + NalSizeField + single.Length;
                if (size + NalSizeField + current.Length <= maxPayloadSize)
                {
                    if (aggregated == 0)
                    {
                        aggregated = StapAHeaderSize;
                        _scratch[0] = H264NalType.StapA;
                        aggregated = AppendToStap(aggregated, single);
                        single = default;
                    }

                    aggregated = AppendToStap(aggregated, current);
                }
                else
                {
                    emitted += Flush(ref single, ref aggregated, sink, state, isLast: false);
                    single = current;
                }
            }

            current = next;
            hasCurrent = hasNext;
        }

        emitted += Flush(ref single, ref aggregated, sink, state, isLast: true);
        return emitted;
    }

    private static bool NextSendable(ref AnnexBNalReader reader, out ReadOnlySpan<byte> unit)
    {
        while (reader.MoveNext())
        {
            var type = H264NalType.Of(reader.Current[0]);
            if (type != H264NalType.AccessUnitDelimiter && type != H264NalType.Filler)
            {
                unit = reader.Current;
                return true;
            }
        }

        unit = default;
        return false;
    }

    private static int EmitFragments<TState>(int maxPayloadSize, ReadOnlySpan<byte> unit, PayloadSink<TState> sink, TState state, bool isLast)
    {
        Span<byte> prefix = stackalloc byte[FuAHeaderSize];
        prefix[0] = (byte)((unit[0] & H264NalType.ForbiddenAndNriMask) | H264NalType.FuA);
        var type = (byte)H264NalType.Of(unit[0]);
        var data = unit[1..];
        var room = maxPayloadSize - FuAHeaderSize;
        var count = (data.Length + room - 1) / room;
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            var remaining = count - i;
            var size = (data.Length - offset + remaining - 1) / remaining;
            prefix[1] = (byte)((i == 0 ? FuStart : 0) | (i == count - 1 ? FuEnd : 0) | type);
            sink(state, prefix, data.Slice(offset, size), isLast && i == count - 1);
            offset += size;
        }

        return count;
    }

    private int AppendToStap(int offset, ReadOnlySpan<byte> unit)
    {
        // STAP-A header: F is the OR of the units' F bits, NRI their maximum.
        var f = (_scratch[0] | unit[0]) & 0x80;
        var nri = Math.Max(_scratch[0] & 0x60, unit[0] & 0x60);
        _scratch[0] = (byte)(f | nri | H264NalType.StapA);
        BinaryPrimitives.WriteUInt16BigEndian(_scratch.AsSpan(offset), (ushort)unit.Length);
        unit.CopyTo(_scratch.AsSpan(offset + NalSizeField));
        return offset + NalSizeField + unit.Length;
    }

    private int Flush<TState>(ref ReadOnlySpan<byte> single, ref int aggregated, PayloadSink<TState> sink, TState state, bool isLast)
    {
        if (aggregated > 0)
        {
            sink(state, default, _scratch.AsSpan(0, aggregated), isLast);
            aggregated = 0;
            return 1;
        }

        if (!single.IsEmpty)
        {
            sink(state, default, single, isLast);
            single = default;
            return 1;
        }

        return 0;
    }
}
