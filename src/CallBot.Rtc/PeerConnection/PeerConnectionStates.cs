using CallBot.Rtc.Ice;
using Microsoft.Extensions.Logging;

namespace CallBot.Rtc;

/// <summary>Where the DTLS association of a connection is (its part of <see cref="PeerConnectionState"/>).</summary>
internal enum DtlsPhase
{
    New,
    Connecting,
    Connected,
    Failed,
    Closed,
}

/// <summary>
/// The connection's states under one lock: the ICE state as the agent reports it, the DTLS phase, and the
/// <see cref="PeerConnectionState"/> derived from both (W3C RTCPeerConnectionState, without a DTLS "new" once ICE runs).
/// Every change is handed to <paramref name="iceChanged"/> / <paramref name="changed"/> inside the lock, so the queue
/// they write to keeps the order in which the states changed.
/// </summary>
internal sealed class PeerConnectionStates(
    ILogger logger,
    string id,
    Action<IceConnectionState> iceChanged,
    Action<PeerConnectionState> changed,
    CancellationToken closing)
{
    private readonly Lock _lock = new();
    private IceConnectionState _ice = IceConnectionState.New;
    private DtlsPhase _dtls = DtlsPhase.New;
    private PeerConnectionState _state = PeerConnectionState.New;
    private bool _dtlsCreated;

    public IceConnectionState Ice
    {
        get
        {
            lock (_lock)
            {
                return _ice;
            }
        }
    }

    public PeerConnectionState State
    {
        get
        {
            lock (_lock)
            {
                return _state;
            }
        }
    }

    /// <summary>The three states read together, for stats.</summary>
    public (PeerConnectionState State, IceConnectionState Ice, DtlsPhase Dtls) Snapshot()
    {
        lock (_lock)
        {
            return (_state, _ice, _dtls);
        }
    }

    /// <summary>
    /// A new ICE state. True when the caller must start the DTLS handshake now: ICE just connected and the association
    /// exists but has not started (the phase is then Connecting).
    /// </summary>
    public bool OnIceState(IceConnectionState state)
    {
        lock (_lock)
        {
            if (closing.IsCancellationRequested || _ice == state)
            {
                return false;
            }

            _ice = state;
            PeerConnectionLog.IceStateChanged(logger, id, state);
            iceChanged(state);
            var startDtls = IsIceUp && _dtls == DtlsPhase.New && _dtlsCreated;
            if (startDtls)
            {
                _dtls = DtlsPhase.Connecting;
            }

            Update();
            return startDtls;
        }
    }

    /// <summary>
    /// The association was just created: true (phase Connecting) when ICE is already up and the handshake must start.
    /// Recorded under the lock so that exactly one of this and <see cref="OnIceState"/> starts it, whichever comes second.
    /// </summary>
    public bool OnDtlsCreated()
    {
        lock (_lock)
        {
            _dtlsCreated = true;
            if (!IsIceUp || _dtls != DtlsPhase.New)
            {
                return false;
            }

            _dtls = DtlsPhase.Connecting;
            return true;
        }
    }

    /// <summary>The handshake's outcome or the association's end; a failed or closed association stays so.</summary>
    public void SetDtlsPhase(DtlsPhase phase)
    {
        lock (_lock)
        {
            if (_dtls is DtlsPhase.Failed or DtlsPhase.Closed)
            {
                return;
            }

            _dtls = phase;
            Update();
        }
    }

    /// <summary>The connection is being disposed: Closed, then ICE Closed; nothing changes after it.</summary>
    public void Close()
    {
        lock (_lock)
        {
            Set(PeerConnectionState.Closed);
            if (_ice != IceConnectionState.Closed)
            {
                _ice = IceConnectionState.Closed;
                iceChanged(IceConnectionState.Closed);
            }
        }
    }

    private bool IsIceUp => _ice is IceConnectionState.Connected or IceConnectionState.Completed;

    private void Update()
    {
        var next = (_ice, _dtls) switch
        {
            (_, DtlsPhase.Failed) => PeerConnectionState.Failed,
            (_, DtlsPhase.Closed) => PeerConnectionState.Disconnected,
            (IceConnectionState.Failed, _) => PeerConnectionState.Failed,
            (IceConnectionState.Disconnected, _) => PeerConnectionState.Disconnected,
            (IceConnectionState.Connected or IceConnectionState.Completed, DtlsPhase.Connected) => PeerConnectionState.Connected,
            (IceConnectionState.New, DtlsPhase.New) => PeerConnectionState.New,
            _ => PeerConnectionState.Connecting,
        };
        Set(next);
    }

    private void Set(PeerConnectionState next)
    {
        if (_state == next || _state == PeerConnectionState.Closed)
        {
            return;
        }

        _state = next;
        PeerConnectionLog.StateChanged(logger, id, next);
        changed(next);
    }
}
