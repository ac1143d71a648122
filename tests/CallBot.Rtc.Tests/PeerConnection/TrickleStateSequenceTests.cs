using CallBot.Abstractions;
using CallBot.Rtc.Ice;

namespace CallBot.Rtc.Tests.PeerConnection;

/// <summary>
/// RFC 8838 §8: with trickle, an agent must not declare failure while candidates may still come — its own gathering
/// included. The worker delivers the offerer's candidates in one batch ending in end-of-candidates, often before the
/// answerer has gathered a single host candidate; the answerer used to flicker Checking → Failed → Connected.
/// </summary>
public sealed class TrickleStateSequenceTests
{
    private const int Rounds = 4;

    [Fact]
    public async Task Answerer_given_all_remote_candidates_and_end_of_candidates_before_gathering_never_fails()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var round = 0; round < Rounds; round++)
        {
            await using var offerer = PeerHarness.Create();
            await using var answerer = PeerHarness.Create();
            offerer.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
            answerer.AddTransceiver(MediaKind.Audio, TransceiverDirection.SendRecv);
            var offererStates = new StateLog(offerer);
            var answererStates = new StateLog(answerer);
            PeerHarness.Trickle(answerer, offerer);

            // The offerer gathers completely first; its candidates (then end-of-candidates) go over as one batch.
            var batch = new List<string?>();
            var gathered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            offerer.LocalCandidate += (_, c) =>
            {
                lock (batch)
                {
                    batch.Add(c.Candidate);
                }

                if (c.Candidate is null)
                {
                    gathered.TrySetResult();
                }
            };
            var offer = await offerer.CreateOfferAsync(ct: ct);
            await gathered.Task.WaitAsync(PeerHarness.Timeout, ct);

            // The batch is queued before the offer is applied, so the answerer's agent sees it at creation.
            lock (batch)
            {
                foreach (var candidate in batch)
                {
                    answerer.AddRemoteCandidate(candidate, "0", 0);
                }
            }

            var connected = Task.WhenAll(
                PeerHarness.WaitForStateAsync(offerer, PeerConnectionState.Connected),
                PeerHarness.WaitForStateAsync(answerer, PeerConnectionState.Connected));
            await answerer.SetRemoteOfferAsync(offer, ct);
            await offerer.SetRemoteAnswerAsync(await answerer.CreateAnswerAsync(ct), ct);
            await connected.WaitAsync(PeerHarness.Timeout, ct);

            answererStates.AssertNeverFailed("answerer", round);
            offererStates.AssertNeverFailed("offerer", round);
            Assert.Equal(IceConnectionState.Checking, answererStates.Ice[0]);
        }
    }

    [Fact]
    public async Task Both_sides_trickling_one_candidate_at_a_time_never_fail()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var round = 0; round < Rounds; round++)
        {
            await using var offerer = PeerHarness.Create();
            await using var answerer = PeerHarness.Create();
            offerer.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
            answerer.AddTransceiver(MediaKind.Video, TransceiverDirection.SendRecv);
            var offererStates = new StateLog(offerer);
            var answererStates = new StateLog(answerer);
            PeerHarness.Trickle(offerer, answerer);
            PeerHarness.Trickle(answerer, offerer);
            var connected = Task.WhenAll(
                PeerHarness.WaitForStateAsync(offerer, PeerConnectionState.Connected),
                PeerHarness.WaitForStateAsync(answerer, PeerConnectionState.Connected));

            await PeerHarness.NegotiateAsync(offerer, answerer);
            await connected.WaitAsync(PeerHarness.Timeout, ct);

            answererStates.AssertNeverFailed("answerer", round);
            offererStates.AssertNeverFailed("offerer", round);
        }
    }

    /// <summary>Every ICE and connection state a peer reports, in order.</summary>
    private sealed class StateLog
    {
        private readonly List<IceConnectionState> _ice = [];
        private readonly List<PeerConnectionState> _connection = [];

        public StateLog(RtcPeerConnection pc)
        {
            pc.IceConnectionStateChanged += (_, s) =>
            {
                lock (_ice)
                {
                    _ice.Add(s);
                }
            };
            pc.ConnectionStateChanged += (_, s) =>
            {
                lock (_connection)
                {
                    _connection.Add(s);
                }
            };
        }

        public IReadOnlyList<IceConnectionState> Ice
        {
            get
            {
                lock (_ice)
                {
                    return [.. _ice];
                }
            }
        }

        public void AssertNeverFailed(string who, int round)
        {
            List<PeerConnectionState> connection;
            lock (_connection)
            {
                connection = [.. _connection];
            }

            var ice = Ice;
            var text = $"{who}, round {round}: ICE [{string.Join(", ", ice)}], connection [{string.Join(", ", connection)}]";
            Assert.False(ice.Contains(IceConnectionState.Failed), text);
            Assert.False(connection.Contains(PeerConnectionState.Failed), text);
            Assert.True(ice.Contains(IceConnectionState.Connected), text);
            Assert.True(connection.Contains(PeerConnectionState.Connected), text);
        }
    }
}
