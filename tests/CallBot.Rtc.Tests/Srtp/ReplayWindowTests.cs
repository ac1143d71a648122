using CallBot.Rtc.Srtp;

namespace CallBot.Rtc.Tests.Srtp;

public sealed class ReplayWindowTests
{
    [Fact]
    public void First_index_is_fresh_and_a_repeat_is_replayed()
    {
        var window = new ReplayWindow();
        Assert.Equal(ReplayCheck.Fresh, window.Check(1000));
        window.Commit(1000);
        Assert.Equal(ReplayCheck.Replayed, window.Check(1000));
        Assert.Equal(1000UL, window.Highest);
    }

    [Fact]
    public void Check_alone_marks_nothing()
    {
        var window = new ReplayWindow();
        window.Commit(10);
        Assert.Equal(ReplayCheck.Fresh, window.Check(11));
        Assert.Equal(ReplayCheck.Fresh, window.Check(11));
        Assert.Equal(10UL, window.Highest);
    }

    [Fact]
    public void Out_of_order_inside_window_accepted_once()
    {
        var window = new ReplayWindow(128);
        window.Commit(500);
        Assert.Equal(ReplayCheck.Fresh, window.Check(400));
        window.Commit(400);
        Assert.Equal(ReplayCheck.Replayed, window.Check(400));
        Assert.Equal(ReplayCheck.Fresh, window.Check(401));
    }

    [Theory]
    [InlineData(64, 63, ReplayCheck.Fresh)]
    [InlineData(64, 64, ReplayCheck.TooOld)]
    [InlineData(128, 127, ReplayCheck.Fresh)]
    [InlineData(128, 128, ReplayCheck.TooOld)]
    [InlineData(1024, 1023, ReplayCheck.Fresh)]
    public void Window_edge(int size, int behind, ReplayCheck expected)
    {
        var window = new ReplayWindow(size);
        window.Commit(100_000);
        Assert.Equal(expected, window.Check((ulong)(100_000 - behind)));
    }

    [Fact]
    public void Marks_survive_shifts_across_word_boundaries()
    {
        var window = new ReplayWindow(256);
        for (ulong i = 1; i <= 300; i += 3)
        {
            window.Commit(i);
        }

        // Highest is 298; everything committed within 256 behind must read Replayed, the rest of the window Fresh.
        for (ulong i = 298 - 255; i <= 298; i++)
        {
            var expected = (i - 1) % 3 == 0 ? ReplayCheck.Replayed : ReplayCheck.Fresh;
            Assert.Equal(expected, window.Check(i));
        }

        Assert.Equal(ReplayCheck.TooOld, window.Check(298 - 256));
    }

    [Fact]
    public void A_jump_larger_than_the_window_clears_it()
    {
        var window = new ReplayWindow(64);
        window.Commit(5);
        window.Commit(6);
        window.Commit(1_000);
        Assert.Equal(ReplayCheck.Fresh, window.Check(999));
        Assert.Equal(ReplayCheck.Replayed, window.Check(1_000));
        Assert.Equal(ReplayCheck.TooOld, window.Check(6));
    }

    [Fact]
    public void Matches_a_set_based_model_on_random_traffic()
    {
        var random = new Random(1234);
        var window = new ReplayWindow(128);
        var seen = new HashSet<ulong>();
        ulong highest = 0;
        var any = false;
        for (var n = 0; n < 20_000; n++)
        {
            var index = (ulong)Math.Max(0, (long)highest + random.Next(-200, 40));
            ReplayCheck expected;
            if (!any || index > highest)
            {
                expected = ReplayCheck.Fresh;
            }
            else if (highest - index >= 128)
            {
                expected = ReplayCheck.TooOld;
            }
            else
            {
                expected = seen.Contains(index) ? ReplayCheck.Replayed : ReplayCheck.Fresh;
            }

            Assert.Equal(expected, window.Check(index));
            if (expected == ReplayCheck.Fresh && random.Next(4) != 0)
            {
                window.Commit(index);
                seen.Add(index);
                if (!any || index > highest)
                {
                    highest = index;
                }

                any = true;
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(8192)]
    public void Rejects_bad_sizes(int size) => Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(size));
}
