using System.Buffers;
using System.Threading.Channels;

namespace CallBot.Recording.Mkv;

/// <summary>
/// The single task that owns FFmpeg's stdin: drains queued frames, packs each batch into one Matroska cluster,
/// writes and flushes it. Producers never block: <see cref="TryEnqueue"/> fails when the queue is full, in frames or
/// in bytes (a remote sender chooses the frame sizes). Every <see cref="RoomCheckBytes"/> written it asks whether the
/// disk still has room; when not, it reports that once and writes no more. The first check comes only after a flush that
/// carried a frame: FFmpeg cannot open a Matroska input that ends after its header (it exits without writing a byte), so
/// stopping there would leave no recording at all, where one more cluster leaves a file that plays what was captured.
/// </summary>
internal sealed class MkvPipeWriter
{
    /// <summary>How much is written between two free-space checks (a statfs each, off the frame path).</summary>
    public const int RoomCheckBytes = 64 * 1024;

    private readonly Channel<MuxItem> _queue;
    private readonly Stream _output;
    private readonly Action<Exception> _onError;
    private readonly long _maxQueuedBytes;
    private readonly Func<bool>? _hasRoom;
    private readonly Action? _onNoRoom;
    private readonly EbmlWriter _writer = new(64 * 1024);
    private long _queuedBytes;
    private long _nextRoomCheck;
    private bool _frameFlushed;
    private bool _failed;

    public MkvPipeWriter(Stream output, int capacity, Action<Exception> onError, long maxQueuedBytes = long.MaxValue, Func<bool>? hasRoom = null, Action? onNoRoom = null)
    {
        _output = output;
        _onError = onError;
        _maxQueuedBytes = maxQueuedBytes;
        _hasRoom = hasRoom;
        _onNoRoom = onNoRoom;
        _queue = Channel.CreateBounded<MuxItem>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public long BytesWritten { get; private set; }

    /// <summary>Bytes of frames queued and not yet written.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    public bool TryEnqueue(in MuxItem item)
    {
        if (Interlocked.Add(ref _queuedBytes, item.Length) > _maxQueuedBytes || !_queue.Writer.TryWrite(item))
        {
            Interlocked.Add(ref _queuedBytes, -item.Length);
            return false;
        }

        return true;
    }

    public void Complete() => _queue.Writer.TryComplete();

    public async Task RunAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            _writer.Reset();
            var clusterOpen = false;
            var carriesFrame = false;
            long clusterMs = 0;
            while (reader.TryRead(out var item))
            {
                Interlocked.Add(ref _queuedBytes, -item.Length);
                if (item.IsHeader)
                {
                    if (clusterOpen)
                    {
                        MatroskaLiveWriter.EndCluster(_writer);
                        clusterOpen = false;
                    }

                    _writer.WriteRaw(item.Buffer.AsSpan(0, item.Length));
                }
                else
                {
                    var relative = item.TimeMs - clusterMs;
                    if (!clusterOpen || relative > MatroskaLiveWriter.MaxRelativeTimestamp || relative < short.MinValue)
                    {
                        if (clusterOpen)
                        {
                            MatroskaLiveWriter.EndCluster(_writer);
                        }

                        clusterMs = item.TimeMs;
                        relative = 0;
                        MatroskaLiveWriter.BeginCluster(_writer, clusterMs);
                        clusterOpen = true;
                    }

                    MatroskaLiveWriter.WriteSimpleBlock(_writer, item.Track, (short)relative, item.KeyFrame, item.Buffer.AsSpan(0, item.Length));
                    carriesFrame = true;
                }

                if (item.Pooled)
                {
                    ArrayPool<byte>.Shared.Return(item.Buffer);
                }
            }

            if (clusterOpen)
            {
                MatroskaLiveWriter.EndCluster(_writer);
            }

            await FlushAsync(carriesFrame).ConfigureAwait(false);
        }
    }

    private async Task FlushAsync(bool carriesFrame)
    {
        if (_failed || _writer.Length == 0)
        {
            return;
        }

        try
        {
            await _output.WriteAsync(_writer.WrittenMemory).ConfigureAwait(false);
            await _output.FlushAsync().ConfigureAwait(false);
            BytesWritten += _writer.Length;
            _frameFlushed |= carriesFrame;
            if (_hasRoom is not null && _frameFlushed && BytesWritten >= _nextRoomCheck)
            {
                _nextRoomCheck = BytesWritten + RoomCheckBytes;
                if (!_hasRoom())
                {
                    _failed = true; // nothing more goes to a disk that is about to fill: the file ends at a cluster boundary
                    _onNoRoom?.Invoke();
                }
            }
        }
        catch (IOException ex)
        {
            _failed = true;
            _onError(ex);
        }
        catch (ObjectDisposedException ex)
        {
            _failed = true;
            _onError(ex);
        }
    }
}
