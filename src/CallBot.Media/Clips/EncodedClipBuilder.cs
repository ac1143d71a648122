using System.Buffers;
using CallBot.Abstractions.Ffmpeg;
using CallBot.Abstractions;
using CallBot.Media.Ffmpeg;

namespace CallBot.Media.Clips;

/// <summary>Collects frames (copied into one growing buffer) and builds an <see cref="EncodedClip"/>, cutting at the clip length.</summary>
internal sealed class EncodedClipBuilder
{
    private readonly CodecId _codec;
    private readonly long _duration;
    private readonly ArrayBufferWriter<byte> _data;
    private readonly List<(int Offset, int Length, long Timestamp, bool Key)> _frames = [];

    public EncodedClipBuilder(CodecId codec, long duration, int expectedBytes)
    {
        _codec = codec;
        _duration = duration;
        _data = new ArrayBufferWriter<byte>(Math.Max(1024, expectedBytes));
    }

    public int Count => _frames.Count;

    /// <summary>Adds a frame; frames at or past the clip length are dropped (the encoder may emit a little more than asked).</summary>
    public void Add(ReadOnlySpan<byte> data, long timestamp, bool isKeyFrame)
    {
        if (timestamp >= _duration)
        {
            return;
        }

        if (_frames.Count > 0 && timestamp <= _frames[^1].Timestamp)
        {
            throw new FfmpegException(FfmpegErrorKind.BadOutput, $"{_codec} frame timestamps are not increasing ({timestamp} after {_frames[^1].Timestamp})");
        }

        _frames.Add((_data.WrittenCount, data.Length, timestamp, isKeyFrame));
        data.CopyTo(_data.GetSpan(data.Length));
        _data.Advance(data.Length);
    }

    public EncodedClip Build(string description, int nominalBitrateKbps)
    {
        if (_frames.Count == 0)
        {
            throw new FfmpegException(FfmpegErrorKind.BadOutput, $"ffmpeg produced no {_codec} frames");
        }

        if (!_frames[0].Key || _frames[0].Timestamp != 0)
        {
            throw new FfmpegException(FfmpegErrorKind.BadOutput, $"{_codec} clip does not start with a key frame at time 0");
        }

        var buffer = _data.WrittenMemory.ToArray().AsMemory();
        var frames = new EncodedFrame[_frames.Count];
        for (var i = 0; i < frames.Length; i++)
        {
            var (offset, length, timestamp, key) = _frames[i];
            var end = i + 1 < frames.Length ? _frames[i + 1].Timestamp : _duration;
            frames[i] = new EncodedFrame(_codec, buffer.Slice(offset, length), timestamp, checked((int)(end - timestamp)), key);
        }

        return new EncodedClip(_codec, buffer, frames, _duration, description, nominalBitrateKbps);
    }
}
