using System.Net;
using CallBot.Rtc.Ice;
using CallBot.Rtc.Transport;

namespace CallBot.Rtc.Tests.Ice;

/// <summary>Two agents wired to each other the way a PeerConnection and signaling would do it.</summary>
internal sealed class IcePeers : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public IcePeers(IceAgent a, IceAgent b)
    {
        A = a;
        B = b;
        AStates = new StateRecorder(a);
        BStates = new StateRecorder(b);
    }

    public IceAgent A { get; }

    public IceAgent B { get; }

    public StateRecorder AStates { get; }

    public StateRecorder BStates { get; }

    /// <summary>Loopback UDP peers bound to <paramref name="loopback"/> only.</summary>
    public static IcePeers OverLoopback(IPAddress loopback, IceRole roleA, IceRole roleB, Action<IceOptions>? tweak = null)
    {
        IceOptions Options(IceRole role)
        {
            var options = new IceOptions
            {
                Role = role,
                IncludeLoopback = true,
                AllowLoopbackRemoteCandidates = true,
                AddressFilter = address => address.Equals(loopback),
            };
            tweak?.Invoke(options);
            return options;
        }

        return new IcePeers(new IceAgent(Options(roleA)), new IceAgent(Options(roleB)));
    }

    /// <summary>Trickles every candidate of each side to the other (optionally rewritten or withheld).</summary>
    public void Trickle(Func<IceCandidate, IceCandidate?>? rewriteAtoB = null, Func<IceCandidate, IceCandidate?>? rewriteBtoA = null)
    {
        Wire(A, B, rewriteAtoB);
        Wire(B, A, rewriteBtoA);
    }

    public async Task ConnectAsync(bool exchangeCredentials = true)
    {
        if (exchangeCredentials)
        {
            A.SetRemoteCredentials(B.LocalCredentials.Ufrag, B.LocalCredentials.Password);
            B.SetRemoteCredentials(A.LocalCredentials.Ufrag, A.LocalCredentials.Password);
        }

        await Task.WhenAll(A.GatherAsync(), B.GatherAsync()).WaitAsync(Timeout);
        A.Start();
        B.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }

    private static void Wire(IceAgent from, IceAgent to, Func<IceCandidate, IceCandidate?>? rewrite)
    {
        from.LocalCandidateGathered += candidate =>
        {
            if (candidate is null)
            {
                to.AddRemoteEndOfCandidates();
                return;
            }

            var sent = rewrite is null ? candidate : rewrite(candidate);
            if (sent is not null)
            {
                to.AddRemoteCandidate(sent);
            }
        };
    }
}

/// <summary>Records states in order and lets a test await one with a timeout.</summary>
internal sealed class StateRecorder
{
    private readonly Lock _gate = new();
    private readonly List<IceConnectionState> _states = [];
    private readonly List<(IceConnectionState State, TaskCompletionSource Source)> _waiters = [];

    public StateRecorder(IceAgent agent) => agent.StateChanged += OnState;

    public IReadOnlyList<IceConnectionState> States
    {
        get
        {
            lock (_gate)
            {
                return [.. _states];
            }
        }
    }

    /// <summary>Completes when <paramref name="state"/> is reached (now or before, counting from <paramref name="afterIndex"/>).</summary>
    public Task WaitForAsync(IceConnectionState state, int afterIndex = 0)
    {
        lock (_gate)
        {
            for (var i = afterIndex; i < _states.Count; i++)
            {
                if (_states[i] == state)
                {
                    return Task.CompletedTask;
                }
            }

            var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((state, source));
            return source.Task;
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _states.Count;
            }
        }
    }

    private void OnState(IceConnectionState state)
    {
        lock (_gate)
        {
            _states.Add(state);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].State == state)
                {
                    _waiters[i].Source.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
