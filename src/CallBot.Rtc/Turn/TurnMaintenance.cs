using Microsoft.Extensions.Logging;

namespace CallBot.Rtc.Turn;

/// <summary>
/// Keeping the allocation alive (RFC 8656 §8, §9, §12): one timer refreshes the allocation before it expires, one
/// refreshes all installed permissions, one re-binds all bound channels. All timers come from the injected
/// <see cref="TimeProvider"/>, so tests drive them with a fake clock. A failed allocation refresh is reported through
/// <c>onAllocationLost</c>; failed permission or channel refreshes are left to the next round.
/// </summary>
internal sealed class TurnMaintenance(
    TurnClientOptions options,
    TimeProvider time,
    ILogger logger,
    Func<Task> refreshAllocation,
    Func<Task> refreshPermissions,
    Func<Task> refreshChannels,
    Action<TurnException> onAllocationLost)
{
    private readonly Func<Task> _refreshAllocation = refreshAllocation;
    private readonly Func<Task> _refreshPermissions = refreshPermissions;
    private readonly Func<Task> _refreshChannels = refreshChannels;
    private readonly Lock _gate = new();
    private ITimer? _refreshTimer;
    private ITimer? _permissionTimer;
    private ITimer? _channelTimer;
    private volatile bool _stopped;

    public void Start(TimeSpan lifetime)
    {
        lock (_gate)
        {
            _refreshTimer = time.CreateTimer(static s => ((TurnMaintenance)s!).Run(static m => m._refreshAllocation(), allocationCritical: true),
                this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _permissionTimer = time.CreateTimer(static s => ((TurnMaintenance)s!).Run(static m => m._refreshPermissions(), allocationCritical: false),
                this, options.PermissionRefreshInterval, options.PermissionRefreshInterval);
            _channelTimer = time.CreateTimer(static s => ((TurnMaintenance)s!).Run(static m => m._refreshChannels(), allocationCritical: false),
                this, options.ChannelRefreshInterval, options.ChannelRefreshInterval);
        }

        ScheduleRefresh(lifetime);
    }

    /// <summary>The next allocation refresh: <see cref="TurnClientOptions.RefreshMargin"/> (at most half the lifetime) before it expires.</summary>
    public void ScheduleRefresh(TimeSpan lifetime)
    {
        var margin = options.RefreshMargin < lifetime / 2 ? options.RefreshMargin : lifetime / 2;
        lock (_gate)
        {
            _refreshTimer?.Change(lifetime - margin, Timeout.InfiniteTimeSpan);
        }
    }

    public void Stop()
    {
        _stopped = true;
        lock (_gate)
        {
            _refreshTimer?.Dispose();
            _permissionTimer?.Dispose();
            _channelTimer?.Dispose();
            _refreshTimer = null;
            _permissionTimer = null;
            _channelTimer = null;
        }
    }

    private void Run(Func<TurnMaintenance, Task> work, bool allocationCritical) => _ = RunAsync(work, allocationCritical);

    private async Task RunAsync(Func<TurnMaintenance, Task> work, bool allocationCritical)
    {
        if (_stopped)
        {
            return;
        }

        try
        {
            await work(this).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        catch (TurnException ex)
        {
            if (allocationCritical && !_stopped)
            {
                TurnLog.AllocationLost(logger, ex);
                onAllocationLost(ex);
            }
        }
    }
}
