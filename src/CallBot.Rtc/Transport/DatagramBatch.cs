using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace CallBot.Rtc.Transport;

/// <summary>
/// A fixed set of datagram slots, each with its buffer and remote address, filled to send many datagrams in one
/// <c>sendmmsg</c> or by one <c>recvmmsg</c>. Every array is allocated pinned once, when the batch is made, and the
/// native message headers point into them, so nothing is allocated or pinned per datagram. One owner at a time.
/// </summary>
public sealed class DatagramBatch
{
    /// <summary>Room for sockaddr_in6 (28 bytes), rounded up.</summary>
    internal const int AddressSlotSize = 32;

    private readonly byte[] _data;
    private readonly byte[] _addresses;
    private readonly int[] _lengths;
    private readonly int[] _addressLengths;
    private readonly bool[] _truncated;
    private SocketAddress? _scratch;

    public DatagramBatch(int capacity, int slotSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotSize, 65536);
        Capacity = capacity;
        SlotSize = slotSize;
        _data = GC.AllocateArray<byte>(capacity * slotSize, pinned: true);
        _addresses = GC.AllocateArray<byte>(capacity * AddressSlotSize, pinned: true);
        _lengths = new int[capacity];
        _addressLengths = new int[capacity];
        _truncated = new bool[capacity];
        IoVectors = GC.AllocateArray<LinuxMultiMessage.IoVector>(capacity, pinned: true);
        Headers = GC.AllocateArray<LinuxMultiMessage.MessageHeader>(capacity, pinned: true);
        for (var i = 0; i < capacity; i++)
        {
            IoVectors[i].Base = Marshal.UnsafeAddrOfPinnedArrayElement(_data, i * slotSize);
            Headers[i].IoVectors = Marshal.UnsafeAddrOfPinnedArrayElement(IoVectors, i);
            Headers[i].IoVectorCount = 1;
            Headers[i].Name = Marshal.UnsafeAddrOfPinnedArrayElement(_addresses, i * AddressSlotSize);
        }
    }

    public int Capacity { get; }

    /// <summary>The largest datagram a slot holds.</summary>
    public int SlotSize { get; }

    /// <summary>Datagrams in the batch: added to send, or received.</summary>
    public int Count { get; internal set; }

    internal LinuxMultiMessage.IoVector[] IoVectors { get; }

    internal LinuxMultiMessage.MessageHeader[] Headers { get; }

    /// <summary>The datagram in slot <paramref name="index"/>.</summary>
    public ReadOnlySpan<byte> Datagram(int index) => _data.AsSpan(Slot(index), _lengths[index]);

    /// <summary>True if the received datagram in slot <paramref name="index"/> was larger than a slot (its tail is lost).</summary>
    public bool IsTruncated(int index) => _truncated[CheckIndex(index)];

    /// <summary>Copies the remote address of slot <paramref name="index"/> into <paramref name="remote"/>.</summary>
    public void CopyRemoteTo(int index, SocketAddress remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var length = _addressLengths[CheckIndex(index)];
        _addresses.AsSpan(index * AddressSlotSize, length).CopyTo(remote.Buffer.Span);
        remote.Size = length;
    }

    /// <summary>
    /// The remote address of slot <paramref name="index"/> in a <see cref="SocketAddress"/> the batch owns and reuses
    /// (valid until the next call), for sending slot by slot without allocating.
    /// </summary>
    internal SocketAddress RemoteOf(int index, AddressFamily family)
    {
        if (_scratch is null || _scratch.Family != family)
        {
            _scratch = new SocketAddress(family, AddressSlotSize);
        }

        CopyRemoteTo(index, _scratch);
        return _scratch;
    }

    /// <summary>Appends a datagram to send; false if the batch is full or the datagram or address does not fit a slot.</summary>
    public bool TryAdd(ReadOnlySpan<byte> datagram, SocketAddress remote)
    {
        ArgumentNullException.ThrowIfNull(remote);
        if (Count == Capacity || datagram.Length > SlotSize || remote.Size > AddressSlotSize)
        {
            return false;
        }

        var index = Count++;
        datagram.CopyTo(_data.AsSpan(index * SlotSize));
        remote.Buffer.Span[..remote.Size].CopyTo(_addresses.AsSpan(index * AddressSlotSize));
        _lengths[index] = datagram.Length;
        _addressLengths[index] = remote.Size;
        _truncated[index] = false;
        return true;
    }

    /// <summary>Empties the batch (slots are reused).</summary>
    public void Clear() => Count = 0;

    /// <summary>Sets the native headers of slots [0, count) for a send (lengths and address lengths as added).</summary>
    internal void PrepareSend()
    {
        for (var i = 0; i < Count; i++)
        {
            IoVectors[i].Length = (nuint)_lengths[i];
            Headers[i].NameLength = (uint)_addressLengths[i];
            Headers[i].Flags = 0;
        }
    }

    /// <summary>Sets every slot's native header to receive a full slot and any address.</summary>
    internal void PrepareReceive()
    {
        for (var i = 0; i < Capacity; i++)
        {
            IoVectors[i].Length = (nuint)SlotSize;
            Headers[i].NameLength = AddressSlotSize;
            Headers[i].Flags = 0;
            Headers[i].Length = 0;
        }
    }

    /// <summary>Takes the lengths the kernel wrote for the first <paramref name="received"/> slots.</summary>
    internal void CompleteReceive(int received)
    {
        for (var i = 0; i < received; i++)
        {
            _lengths[i] = (int)Headers[i].Length;
            _addressLengths[i] = (int)Headers[i].NameLength;
            _truncated[i] = (Headers[i].Flags & LinuxMultiMessage.MsgTruncated) != 0;
        }

        Count = received;
    }

    private int Slot(int index) => CheckIndex(index) * SlotSize;

    private int CheckIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return index;
    }
}
