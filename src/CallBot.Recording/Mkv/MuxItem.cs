namespace CallBot.Recording.Mkv;

/// <summary>One unit queued towards FFmpeg: the stream header, or one frame in a pooled buffer.</summary>
internal readonly record struct MuxItem(byte[] Buffer, int Length, int Track, long TimeMs, bool KeyFrame, bool IsHeader, bool Pooled);
