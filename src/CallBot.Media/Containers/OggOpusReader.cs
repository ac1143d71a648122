using System.Buffers.Binary;

namespace CallBot.Media.Containers;

/// <summary>One Opus packet from an Ogg stream; <see cref="Timestamp"/> counts 48 kHz samples from the first audio packet.</summary>
public readonly record struct OpusPacket(ReadOnlyMemory<byte> Data, long Timestamp, int Samples);

/// <summary>
/// Reads Opus packets out of Ogg (RFC 7845): skips the OpusHead and OpusTags header packets, joins packets continued across
/// pages, and times each packet from its TOC (RFC 6716 §3.1), re-synchronised to the page granule position.
/// </summary>
/// <remarks>
/// Granule positions count decoded 48 kHz samples including the pre-skip (RFC 7845 §4). Packet timestamps here are in
/// the same sample domain shifted to start at 0 with the first audio packet, which is what an RTP sender wants; the
/// pre-skip (<see cref="PreSkip"/>) is a decoder concern and is only reported. Only the first logical stream is read.
/// </remarks>
public sealed class OggOpusReader
{
    /// <summary>Cap on a header packet (OpusTags may carry cover art in the wild).</summary>
    public const int MaxHeaderPacketSize = 1024 * 1024;
    /// <summary>Cap on an audio packet: 48 frames of at most 1275 bytes (RFC 6716 §3.2.5), rounded up.</summary>
    public const int MaxAudioPacketSize = 64 * 1024;

    private const int OpusHeadMinSize = 19;
    private const int OpusHeadChannelsOffset = 9;
    private const int OpusHeadPreSkipOffset = 10;
    private const int LacingContinue = 255;
    private static ReadOnlySpan<byte> OpusHeadMagic => "OpusHead"u8;
    private static ReadOnlySpan<byte> OpusTagsMagic => "OpusTags"u8;

    private readonly OggPageReader _pages;
    private readonly Queue<OpusPacket> _ready = new();
    private readonly List<byte> _partial = [];
    private uint? _serial;
    private int _headerPacketsSeen;
    private long _granuleBase = -1;
    private long _nextTimestamp;
    private bool _inPartial;

    public OggOpusReader(ReadOnlyMemory<byte> input) => _pages = new OggPageReader(input);

    public ContainerError Error { get; private set; }

    public int Channels { get; private set; }

    public int PreSkip { get; private set; }

    public bool TryReadNext(out OpusPacket packet)
    {
        while (_ready.Count == 0)
        {
            if (Error != ContainerError.None || !_pages.TryReadNext(out var page))
            {
                if (Error == ContainerError.None)
                {
                    Error = _pages.Error;
                }

                packet = default;
                return false;
            }

            _serial ??= page.Serial;
            if (page.Serial == _serial)
            {
                ReadPage(page);
            }
        }

        packet = _ready.Dequeue();
        return true;
    }

    private void ReadPage(OggPage page)
    {
        var table = page.SegmentTable.Span;
        var body = page.Body;
        var offset = 0;
        var packetStart = 0;
        var first = true;
        var pageStartTimestamp = _nextTimestamp;
        var completedSamples = 0L;
        if (!page.IsContinued)
        {
            _inPartial = false;
            _partial.Clear();
        }

        for (var i = 0; i < table.Length; i++)
        {
            offset += table[i];
            if (table[i] == LacingContinue)
            {
                continue;
            }

            var piece = body[packetStart..offset];
            ReadOnlyMemory<byte> whole;
            if (first && _inPartial)
            {
                if (!AppendPartial(piece.Span))
                {
                    return;
                }

                whole = _partial.ToArray();
                _partial.Clear();
                _inPartial = false;
            }
            else
            {
                whole = piece;
            }

            first = false;
            packetStart = offset;
            if (!OnPacket(whole, ref completedSamples))
            {
                return;
            }
        }

        if (packetStart < body.Length)
        {
            // The last packet continues on the next page.
            if (!first || !_inPartial)
            {
                _partial.Clear();
            }

            if (!AppendPartial(body.Span[packetStart..]))
            {
                return;
            }

            _inPartial = true;
        }

        ResyncToGranule(page, pageStartTimestamp, completedSamples);
    }

    private bool OnPacket(ReadOnlyMemory<byte> data, ref long completedSamples)
    {
        if (_headerPacketsSeen == 0)
        {
            _headerPacketsSeen++;
            var head = data.Span;
            if (head.Length < OpusHeadMinSize || !head.StartsWith(OpusHeadMagic))
            {
                Error = ContainerError.BadSignature;
                return false;
            }

            Channels = head[OpusHeadChannelsOffset];
            PreSkip = BinaryPrimitives.ReadUInt16LittleEndian(head[OpusHeadPreSkipOffset..]);
            return true;
        }

        if (_headerPacketsSeen == 1)
        {
            _headerPacketsSeen++;
            if (!data.Span.StartsWith(OpusTagsMagic))
            {
                Error = ContainerError.BadSignature;
                return false;
            }

            return true;
        }

        if (data.Length > MaxAudioPacketSize)
        {
            Error = ContainerError.FrameTooLarge;
            return false;
        }

        if (!OpusToc.TryGetSamples(data.Span, out var samples))
        {
            Error = ContainerError.BadOpusPacket;
            return false;
        }

        _ready.Enqueue(new OpusPacket(data, _nextTimestamp, samples));
        _nextTimestamp += samples;
        completedSamples += samples;
        return true;
    }

    /// <summary>
    /// A page's granule is the sample count at the end of its last completed packet. The first audio page fixes the base
    /// (granule minus the samples on it); later pages move the clock forward over a gap (discontinuous transmission).
    /// An end-trimmed last page (granule below the count) is ignored, as RFC 7845 §4.4 allows only trimming there.
    /// </summary>
    private void ResyncToGranule(OggPage page, long pageStartTimestamp, long completedSamples)
    {
        if (completedSamples == 0 || page.GranulePosition < 0 || _headerPacketsSeen < 2)
        {
            return;
        }

        if (_granuleBase < 0)
        {
            _granuleBase = page.GranulePosition - completedSamples - pageStartTimestamp;
            return;
        }

        var granuleEnd = page.GranulePosition - _granuleBase;
        if (granuleEnd > _nextTimestamp)
        {
            _nextTimestamp = granuleEnd;
        }
    }

    private bool AppendPartial(ReadOnlySpan<byte> piece)
    {
        var cap = _headerPacketsSeen < 2 ? MaxHeaderPacketSize : MaxAudioPacketSize;
        if (_partial.Count + piece.Length > cap)
        {
            Error = ContainerError.FrameTooLarge;
            return false;
        }

        foreach (var b in piece)
        {
            _partial.Add(b);
        }

        return true;
    }
}
