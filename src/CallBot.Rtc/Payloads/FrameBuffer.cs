using System.Buffers;

namespace CallBot.Rtc.Payloads;

/// <summary>A growable byte buffer rented from <see cref="ArrayPool{T}"/>, reused frame after frame.</summary>
public sealed class FrameBuffer : IDisposable
{
    private byte[] _buffer;

    public FrameBuffer(int initialCapacity = 64 * 1024)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public int Length { get; private set; }

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, Length);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Length);

    public void Clear() => Length = 0;

    public void Append(ReadOnlySpan<byte> data)
    {
        data.CopyTo(GetSpan(data.Length));
        Length += data.Length;
    }

    public void Append(byte value)
    {
        GetSpan(1)[0] = value;
        Length++;
    }

    /// <summary>Inserts <paramref name="data"/> at the start, moving what was written.</summary>
    public void Prepend(ReadOnlySpan<byte> data)
    {
        GetSpan(data.Length);
        _buffer.AsSpan(0, Length).CopyTo(_buffer.AsSpan(data.Length));
        data.CopyTo(_buffer);
        Length += data.Length;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        Length = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private Span<byte> GetSpan(int size)
    {
        if (_buffer.Length - Length < size)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Length + size));
            _buffer.AsSpan(0, Length).CopyTo(bigger);
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = bigger;
        }

        return _buffer.AsSpan(Length, size);
    }
}
