using System.Buffers;
using System.Threading.Channels;

namespace CallBot.Recording.Mkv;

/// <summary>
/// The single task that owns FFmpeg's stdin: drains queued frames, packs each batch into one Matroska cluster,
/// writes and flushes it. Producers never block: <see cref="TryEnqueue"/> fails when the queue is full.
/// </summary>
internal sealed class MkvPipeWriter
{
    private readonly Channel<MuxItem> _queue;
    private readonly Stream _output;
    private readonly Action<Exception> _onError;
    private readonly EbmlWriter _writer = new(64 * 1024);
    private bool _failed;

    public MkvPipeWriter(Stream output, int capacity, Action<Exception> onError)
    {
        _output = output;
        _onError = onError;
        _queue = Channel.CreateBounded<MuxItem>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public long BytesWritten { get; private set; }

    public bool TryEnqueue(in MuxItem item) => _queue.Writer.TryWrite(item);

    public void Complete() => _queue.Writer.TryComplete();

    public async Task RunAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            _writer.Reset();
            var clusterOpen = false;
            long clusterMs = 0;
            while (reader.TryRead(out var item))
            {
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

            await FlushAsync().ConfigureAwait(false);
        }
    }

    private async Task FlushAsync()
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
