using System.Buffers.Binary;
using CallBot.Abstractions;

namespace CallBot.Recording.Mkv;

/// <summary>
/// Serializes a live Matroska stream: EBML header, a Segment of unknown size, Info, Tracks, then Clusters of
/// SimpleBlocks with explicit millisecond timestamps. The output is meant for FFmpeg's matroska demuxer on a pipe,
/// not for players: no SeekHead, no Cues.
/// </summary>
internal static class MatroskaLiveWriter
{
    /// <summary>1 ms per timestamp tick (the Matroska default, and what WebM uses).</summary>
    public const ulong TimestampScaleNs = 1_000_000;

    /// <summary>SimpleBlock timestamps are a signed 16-bit offset from the cluster timestamp.</summary>
    public const int MaxRelativeTimestamp = short.MaxValue;

    private const byte KeyFrameFlag = 0x80;
    private const int SimpleBlockHeaderLength = 4; // track VINT (1 byte for tracks 1..126) + int16 timestamp + flags

    /// <summary>
    /// Video blocks are at least this far apart, and the video track declares it as its DefaultDuration. WebRTC video is
    /// variable-rate: without a declared rate FFmpeg guesses one from the first packets (20 fps for Chromium's fake camera)
    /// and a decode to another muxer rounds timestamps to that rate, so two frames 49 ms apart can land on one tick
    /// ("non monotonically increasing dts to muxer"). With 2 ms declared (500 fps, the finest FFmpeg copies into a
    /// 1 ms-timescale file), any two blocks ≥ 2 ms apart keep distinct ticks.
    /// </summary>
    public const int VideoTickMs = 2;

    /// <summary>Opus pre-roll for seeking: 80 ms, as RFC 7845 §4.6 recommends.</summary>
    private const ulong OpusSeekPreRollNs = 80_000_000;

    public static void WriteHeader(EbmlWriter w, IReadOnlyList<MkvTrack> tracks, bool webm)
    {
        w.BeginMaster(MatroskaIds.Ebml);
        w.WriteUInt(MatroskaIds.EbmlVersion, 1);
        w.WriteUInt(MatroskaIds.EbmlReadVersion, 1);
        w.WriteUInt(MatroskaIds.EbmlMaxIdLength, 4);
        w.WriteUInt(MatroskaIds.EbmlMaxSizeLength, 8);
        w.WriteString(MatroskaIds.DocType, webm ? "webm" : "matroska");
        w.WriteUInt(MatroskaIds.DocTypeVersion, 4);
        w.WriteUInt(MatroskaIds.DocTypeReadVersion, 2);
        w.EndMaster();

        w.BeginUnknownSizeMaster(MatroskaIds.Segment);

        w.BeginMaster(MatroskaIds.Info);
        w.WriteUInt(MatroskaIds.TimestampScale, TimestampScaleNs);
        w.WriteString(MatroskaIds.MuxingApp, "CallBot");
        w.WriteString(MatroskaIds.WritingApp, "CallBot");
        w.EndMaster();

        w.BeginMaster(MatroskaIds.Tracks);
        foreach (var track in tracks)
        {
            WriteTrack(w, track);
        }

        w.EndMaster();
    }

    private static void WriteTrack(EbmlWriter w, MkvTrack track)
    {
        w.BeginMaster(MatroskaIds.TrackEntry);
        w.WriteUInt(MatroskaIds.TrackNumber, (ulong)track.Number);
        w.WriteUInt(MatroskaIds.TrackUid, (ulong)track.Number);
        var audio = track.Codec.Kind() == MediaKind.Audio;
        w.WriteUInt(MatroskaIds.TrackType, audio ? MatroskaIds.TrackTypeAudio : MatroskaIds.TrackTypeVideo);
        w.WriteUInt(MatroskaIds.FlagLacing, 0);
        w.WriteString(MatroskaIds.CodecId, track.MatroskaCodecId);
        if (track.CodecPrivate.Length > 0)
        {
            w.WriteBinary(MatroskaIds.CodecPrivate, track.CodecPrivate);
        }

        if (audio)
        {
            w.WriteUInt(MatroskaIds.SeekPreRoll, OpusSeekPreRollNs);
            w.BeginMaster(MatroskaIds.Audio);
            w.WriteFloat(MatroskaIds.SamplingFrequency, track.Codec.ClockRate());
            w.WriteUInt(MatroskaIds.Channels, (ulong)track.Channels);
            w.EndMaster();
        }
        else
        {
            w.WriteUInt(MatroskaIds.DefaultDuration, VideoTickMs * TimestampScaleNs);
        }

        if (!audio && track.Width > 0 && track.Height > 0)
        {
            w.BeginMaster(MatroskaIds.Video);
            w.WriteUInt(MatroskaIds.PixelWidth, (ulong)track.Width);
            w.WriteUInt(MatroskaIds.PixelHeight, (ulong)track.Height);
            w.EndMaster();
        }

        w.EndMaster();
    }

    public static void BeginCluster(EbmlWriter w, long clusterTimestampMs)
    {
        w.BeginMaster(MatroskaIds.Cluster);
        w.WriteUInt(MatroskaIds.ClusterTimestamp, (ulong)clusterTimestampMs);
    }

    public static void EndCluster(EbmlWriter w) => w.EndMaster();

    /// <summary>
    /// SimpleBlock (RFC 9559 §10.2):
    /// <code>
    /// +------------+----------------+-------+----------------+
    /// | track VINT | int16 rel time | flags | frame data ... |
    /// +------------+----------------+-------+----------------+
    /// </code>
    /// </summary>
    public static void WriteSimpleBlock(EbmlWriter w, int trackNumber, short relativeMs, bool keyFrame, ReadOnlySpan<byte> frame)
    {
        w.WriteId(MatroskaIds.SimpleBlock);
        w.WriteSize(SimpleBlockHeaderLength + frame.Length);
        var header = w.Grow(SimpleBlockHeaderLength);
        header[0] = (byte)(0x80 | trackNumber);
        BinaryPrimitives.WriteInt16BigEndian(header[1..], relativeMs);
        header[3] = keyFrame ? KeyFrameFlag : (byte)0;
        w.WriteRaw(frame);
    }
}
