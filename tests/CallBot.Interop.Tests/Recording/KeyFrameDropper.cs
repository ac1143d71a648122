using CallBot.Abstractions;

namespace CallBot.Interop.Tests.Recording;

/// <summary>
/// Sits between the media clock and a transceiver's Sender. Once armed, the next video keyframe is handed on with
/// <see cref="DroppingOnThisThread"/> set: the sender packetizes, protects and sends synchronously on this thread, so an
/// <c>InMemoryNetwork.DropWhen</c> filter that checks the flag loses exactly that keyframe's packets.
/// </summary>
internal sealed class KeyFrameDropper(IEncodedFrameSink inner) : IEncodedFrameSink
{
    [ThreadStatic]
    private static bool t_dropping;

    private readonly TaskCompletionSource<DateTimeOffset> _dropped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _armed;

    /// <summary>True while the armed keyframe is being sent on the calling thread.</summary>
    public static bool DroppingOnThisThread => t_dropping;

    /// <summary>Completes with the time the keyframe went (lost) onto the network.</summary>
    public Task<DateTimeOffset> Dropped => _dropped.Task;

    public void Arm() => _armed = true;

    public void OnFrame(in EncodedFrame frame)
    {
        if (!_armed || !frame.IsKeyFrame)
        {
            inner.OnFrame(frame);
            return;
        }

        _armed = false;
        var at = DateTimeOffset.UtcNow;
        t_dropping = true;
        try
        {
            inner.OnFrame(frame);
        }
        finally
        {
            t_dropping = false;
        }

        _dropped.TrySetResult(at);
    }
}
