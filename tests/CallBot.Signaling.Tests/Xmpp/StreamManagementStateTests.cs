using CallBot.Signaling.Xmpp;

namespace CallBot.Signaling.Tests.Xmpp;

public sealed class StreamManagementStateTests
{
    [Fact]
    public void Ack_drops_everything_up_to_h_and_keeps_the_rest()
    {
        var sm = new StreamManagementState();
        sm.OnEnabled("r1", "1-7@localhost/a");
        sm.TrackOutbound("<m1/>");
        sm.TrackOutbound("<m2/>");
        sm.TrackOutbound("<m3/>");
        sm.Ack(2);
        Assert.Equal(1, sm.UnackedCount);
        Assert.Equal(["<m3/>"], sm.TakeUnsentAfterResume(2));
        // Counting continues from the server's h: the resent stanza is number 3 again.
        sm.TrackOutbound("<m3/>");
        sm.Ack(3);
        Assert.Equal(0, sm.UnackedCount);
    }

    [Fact]
    public void Counters_wrap_at_2_pow_32()
    {
        var sm = new StreamManagementState();
        sm.OnEnabled("r1", "j");
        sm.TakeUnsentAfterResume(uint.MaxValue - 1); // outbound counter now 2^32-2
        sm.TrackOutbound("<a/>");                   // 2^32-1
        sm.TrackOutbound("<b/>");                   // 0 (wrapped)
        sm.TrackOutbound("<c/>");                   // 1
        sm.Ack(0);
        Assert.Equal(["<c/>"], sm.TakeUnsentAfterResume(0));
    }

    [Fact]
    public void Inbound_count_and_reset()
    {
        var sm = new StreamManagementState();
        sm.OnEnabled("r1", "j");
        sm.CountInbound();
        sm.CountInbound();
        Assert.Equal(2u, sm.Inbound);
        sm.TrackOutbound("<x/>");
        sm.ForgetSession();
        Assert.Null(sm.ResumeId);
        Assert.Equal(["<x/>"], sm.Reset());
        Assert.Equal(0u, sm.Inbound);
        Assert.Equal(0, sm.UnackedCount);
    }

    [Fact]
    public void Unacked_stanzas_are_bounded()
    {
        var sm = new StreamManagementState();
        sm.OnEnabled(null, "j");
        for (int i = 0; i < StreamManagementState.MaxUnacked + 10; i++)
        {
            sm.TrackOutbound("<s/>");
        }
        Assert.Equal(StreamManagementState.MaxUnacked, sm.UnackedCount);
        Assert.Equal(10, sm.GivenUp);
    }
}
