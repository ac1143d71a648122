using System.Net;
using System.Net.Sockets;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Ice;

/// <summary>
/// DTLS and SRTP accept datagrams only from verified sources: addresses that sent us a Binding request signed with our
/// password, or answered our check with a response signed with the peer's (RFC 8445 §7.2.5, §7.3). An off-path host
/// knows neither, so it cannot inject a DTLS alert before the handshake, fill the early-DTLS buffer, or make SRTP spend
/// an HMAC on its packets.
/// </summary>
/// <remarks>
/// The peer's first DTLS flight can overtake the STUN that verifies its address: the check and the ClientHello leave
/// back to back, and the check waits for the agent loop while DTLS is dispatched on the receive loop. So DTLS from a
/// candidate-pair remote that is not verified yet is held, a few datagrams per source, and delivered in order when
/// that address verifies; anything else from an unverified address is dropped and counted.
/// </remarks>
internal sealed class IceSourceVerifier(IceCounters counters, DatagramTransport transport, int maxVerifiedSources, int maxPairRemotes)
{
    /// <summary>Early DTLS datagrams held per source (a full DTLS 1.2 flight at MTU 1200 is at most 5).</summary>
    public const int MaxHeldDtlsPerSource = 8;

    /// <summary>Early DTLS datagrams held in total.</summary>
    public const int MaxHeldDtls = 32;

    private readonly Lock _sourcesGate = new();
    private readonly List<HeldDatagram> _heldDtls = [];
    private volatile SocketAddress[] _verifiedSources = [];
    private volatile SocketAddress[] _pairRemotes = [];

    /// <summary>Receive loop (<see cref="DatagramTransport.Admission"/>): deliver now, hold, or drop. Allocates only when holding.</summary>
    public bool Admit(DatagramKind kind, ReadOnlySpan<byte> datagram, SocketAddress source, IDatagramSocket socket)
    {
        if (Contains(_verifiedSources, source))
        {
            return true;
        }

        if (kind != DatagramKind.Dtls || !Contains(_pairRemotes, source))
        {
            counters.Count(IceCounter.DatagramsFromUnverifiedSource);
            return false;
        }

        lock (_sourcesGate)
        {
            if (Contains(_verifiedSources, source))
            {
                return true; // verified while we took the lock
            }

            var fromSource = 0;
            foreach (var held in _heldDtls)
            {
                fromSource += SameEndPoint(held.Source, source) ? 1 : 0;
            }

            if (fromSource >= MaxHeldDtlsPerSource || _heldDtls.Count >= MaxHeldDtls)
            {
                counters.Count(IceCounter.EarlyDtlsDropped);
                return false;
            }

            var copy = new SocketAddress(source.Family, source.Size);
            source.Buffer.Span[..source.Size].CopyTo(copy.Buffer.Span);
            _heldDtls.Add(new HeldDatagram(copy, datagram.ToArray()));
        }

        counters.Count(IceCounter.EarlyDtlsHeld);
        return false;
    }

    /// <summary>Agent loop: <paramref name="source"/> passed a STUN check; its held DTLS is delivered, in arrival order.</summary>
    public void MarkAuthenticated(IPEndPoint source)
    {
        var address = source.Serialize();
        if (Contains(_verifiedSources, address))
        {
            return;
        }

        List<byte[]>? release = null;
        lock (_sourcesGate)
        {
            _verifiedSources = Appended(_verifiedSources, address, maxVerifiedSources);
            for (var i = 0; i < _heldDtls.Count; i++)
            {
                if (SameEndPoint(_heldDtls[i].Source, address))
                {
                    (release ??= []).Add(_heldDtls[i].Datagram);
                    _heldDtls.RemoveAt(i--);
                }
            }
        }

        if (release is not null && transport.DtlsPacketReceived is { } dtls)
        {
            foreach (var datagram in release)
            {
                dtls(datagram);
            }
        }
    }

    /// <summary>Agent loop: a pair now points at <paramref name="remote"/>, so its DTLS may be held until it verifies.</summary>
    public void AllowEarlySource(IPEndPoint remote)
    {
        var address = remote.Serialize();
        if (!Contains(_pairRemotes, address))
        {
            _pairRemotes = Appended(_pairRemotes, address, maxPairRemotes);
        }
    }

    private static SocketAddress[] Appended(SocketAddress[] current, SocketAddress address, int max)
    {
        // Copy-on-write: the receive loops read the array without a lock. The oldest entry goes when full.
        var skip = current.Length >= max ? current.Length - max + 1 : 0;
        var next = new SocketAddress[current.Length - skip + 1];
        Array.Copy(current, skip, next, 0, current.Length - skip);
        next[^1] = address;
        return next;
    }

    private static bool Contains(SocketAddress[] set, SocketAddress address)
    {
        foreach (var entry in set)
        {
            if (SameEndPoint(entry, address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Same family, port and address bytes; IPv6 flow label and scope id are ignored (they vary per packet/socket).</summary>
    private static bool SameEndPoint(SocketAddress a, SocketAddress b)
    {
        if (a.Family != b.Family)
        {
            return false;
        }

        var x = a.Buffer.Span;
        var y = b.Buffer.Span;
        const int PortOffset = 2;
        var (offset, length) = a.Family == AddressFamily.InterNetworkV6 ? (8, 16) : (4, 4);
        return x.Length >= offset + length && y.Length >= offset + length
            && x.Slice(PortOffset, 2).SequenceEqual(y.Slice(PortOffset, 2))
            && x.Slice(offset, length).SequenceEqual(y.Slice(offset, length));
    }

    private readonly record struct HeldDatagram(SocketAddress Source, byte[] Datagram);
}
