using CallBot.Abstractions;
using CallBot.Rtc.Tests.Payloads;

namespace CallBot.Rtc.Tests.Interop;

/// <summary>Feeds real ffmpeg VP8 + Opus frames (looped) into two senders every 20 ms of wall clock, like a live source.</summary>
internal sealed class MediaPump : IAsyncDisposable
{
    private const int TickMs = 20;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public MediaPump(IEncodedFrameSink video, IEncodedFrameSink audio)
    {
        _loop = RunAsync(video, audio, _stop.Token);
    }

    public long Ticks => Interlocked.Read(ref _ticks);

    private long _ticks;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task RunAsync(IEncodedFrameSink video, IEncodedFrameSink audio, CancellationToken ct)
    {
        var vp8 = FfmpegSamples.Vp8Frames;
        var opus = FfmpegSamples.OpusPackets;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(TickMs));
        long i = 0;
        while (await timer.WaitForNextTickAsync(ct))
        {
            // Video at 25 fps (every other tick would be 25; keep every tick: 50 fps of a 30-frame GOP loop is fine for decoding).
            var v = vp8[(int)(i % vp8.Count)];
            video.OnFrame(new EncodedFrame(CodecId.Vp8, v, i * 90 * TickMs, 90 * TickMs, i % 15 == 0));
            var a = opus[(int)(i % opus.Count)];
            audio.OnFrame(new EncodedFrame(CodecId.Opus, a, i * 48 * TickMs, 48 * TickMs, true));
            i++;
            Interlocked.Increment(ref _ticks);
        }
    }
}
