using System.Buffers.Binary;
using System.Text;

namespace CallBot.Recording.Mkv;

/// <summary>
/// Appends EBML elements (RFC 8794) to a growable byte buffer. Only what a live Matroska stream needs:
/// IDs are written as given (they already carry their length marker), sizes as 8-byte VINTs unless small.
/// </summary>
/// <remarks>
/// Element layout (RFC 8794 §4):
/// <code>
/// +-----------+-----------+------------------+
/// | Element ID| Data Size | Data             |
/// | 1-4 bytes | VINT 1-8  | Data Size bytes  |
/// +-----------+-----------+------------------+
/// </code>
/// The writer keeps a stack of open masters; <see cref="EndMaster"/> patches the 8-byte size in place.
/// Not thread-safe; one writer per muxing task.
/// </remarks>
internal sealed class EbmlWriter
{
    /// <summary>8-byte VINT with all value bits set: "unknown size" (RFC 8794 §6.2), used for the live Segment.</summary>
    public static ReadOnlySpan<byte> UnknownSize => [0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF];

    private const int MasterSizeLength = 8;
    private const int MaxOpenMasters = 8;

    private byte[] _buffer;
    private readonly int[] _openMasters = new int[MaxOpenMasters];
    private int _openCount;

    public EbmlWriter(int initialCapacity = 4096) => _buffer = new byte[initialCapacity];

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, Length);

    public void Reset()
    {
        Length = 0;
        _openCount = 0;
    }

    public void WriteId(uint id)
    {
        var len = id > 0xFFFFFF ? 4 : id > 0xFFFF ? 3 : id > 0xFF ? 2 : 1;
        var span = Grow(len);
        for (var i = len - 1; i >= 0; i--)
        {
            span[i] = (byte)id;
            id >>= 8;
        }
    }

    /// <summary>Writes a data size as the shortest VINT that can hold it (never the reserved all-ones value).</summary>
    public void WriteSize(long size)
    {
        var len = 1;
        while (len < 8 && size >= (1L << (7 * len)) - 1)
        {
            len++;
        }

        WriteSizeFixed(size, len);
    }

    public void BeginMaster(uint id)
    {
        WriteId(id);
        _openMasters[_openCount++] = Length;
        Grow(MasterSizeLength);
    }

    public void EndMaster()
    {
        var start = _openMasters[--_openCount];
        var size = Length - start - MasterSizeLength;
        var saved = Length;
        Length = start;
        WriteSizeFixed(size, MasterSizeLength);
        Length = saved;
    }

    /// <summary>Opens a master element whose size is "unknown" (a live Segment); it is never closed.</summary>
    public void BeginUnknownSizeMaster(uint id)
    {
        WriteId(id);
        UnknownSize.CopyTo(Grow(UnknownSize.Length));
    }

    public void WriteUInt(uint id, ulong value)
    {
        var len = 1;
        while (len < 8 && value >> (8 * len) != 0)
        {
            len++;
        }

        WriteId(id);
        WriteSize(len);
        var span = Grow(len);
        for (var i = len - 1; i >= 0; i--)
        {
            span[i] = (byte)value;
            value >>= 8;
        }
    }

    public void WriteFloat(uint id, double value)
    {
        WriteId(id);
        WriteSize(8);
        BinaryPrimitives.WriteDoubleBigEndian(Grow(8), value);
    }

    public void WriteString(uint id, string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteId(id);
        WriteSize(count);
        Encoding.UTF8.GetBytes(value, Grow(count));
    }

    public void WriteBinary(uint id, ReadOnlySpan<byte> value)
    {
        WriteId(id);
        WriteSize(value.Length);
        value.CopyTo(Grow(value.Length));
    }

    public void WriteRaw(ReadOnlySpan<byte> value) => value.CopyTo(Grow(value.Length));

    public Span<byte> Grow(int count)
    {
        if (Length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + count));
        }

        var span = _buffer.AsSpan(Length, count);
        Length += count;
        return span;
    }

    private void WriteSizeFixed(long size, int len)
    {
        var span = Grow(len);
        var value = (ulong)size | (1UL << (7 * len));
        for (var i = len - 1; i >= 0; i--)
        {
            span[i] = (byte)value;
            value >>= 8;
        }
    }
}
