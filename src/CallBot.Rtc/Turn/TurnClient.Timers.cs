using System.Buffers.Binary;
using System.Net;
using CallBot.Rtc.Stun;

namespace CallBot.Rtc.Turn;

/// <summary>
/// Keeping the allocation alive (RFC 8656 §8, §9, §12): one timer refreshes the allocation before it
/// expires, one refreshes all installed permissions, one re-binds all bound channels. All timers come
/// from the injected <see cref="TimeProvider"/>, so tests drive them with a fake clock.
/// </summary>
public sealed partial class TurnClient
{
    private ITimer? _refreshTimer;
    private ITimer? _permissionTimer;
    private ITimer? _channelTimer;

    /// <summary>Raised after each successful Refresh with the lifetime the server granted.</summary>
    public event EventHandler<TimeSpan>? Refreshed;

    /// <summary>Refreshes the allocation now (the timer does this on its own); returns the new lifetime.</summary>
    public async Task<TimeSpan> RefreshAsync(CancellationToken cancellationToken = default)
    {
        var response = await TransactAsync(
            StunMethod.Refresh,
            static (ref StunWriter w, TurnClient client) =>
            {
                var lifetime = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(lifetime, (uint)Math.Max(0, client._options.RequestedLifetime.TotalSeconds));
                w.AddAttribute(TurnAttributeType.Lifetime, lifetime);
            },
            this,
            cancellationToken).ConfigureAwait(false);
        Counters.Count(TurnCounter.Refreshes);
        var lifetime = TurnResponse.ReadLifetime(response) ?? _options.RequestedLifetime;
        ScheduleRefresh(lifetime);
        Refreshed?.Invoke(this, lifetime);
        return lifetime;
    }

    private void StartTimers(TimeSpan lifetime)
    {
        lock (_gate)
        {
            _refreshTimer = _time.CreateTimer(static s => ((TurnClient)s!).OnRefreshTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _permissionTimer = _time.CreateTimer(
                static s => ((TurnClient)s!).OnPermissionTimer(), this, _options.PermissionRefreshInterval, _options.PermissionRefreshInterval);
            _channelTimer = _time.CreateTimer(
                static s => ((TurnClient)s!).OnChannelTimer(), this, _options.ChannelRefreshInterval, _options.ChannelRefreshInterval);
        }

        ScheduleRefresh(lifetime);
    }

    private void ScheduleRefresh(TimeSpan lifetime)
    {
        var margin = _options.RefreshMargin < lifetime / 2 ? _options.RefreshMargin : lifetime / 2;
        lock (_gate)
        {
            _refreshTimer?.Change(lifetime - margin, Timeout.InfiniteTimeSpan);
        }
    }

    private void StopTimers()
    {
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

    private void OnRefreshTimer() => _ = RunMaintenanceAsync(static c => c.RefreshAsync(c._lifetime.Token), allocationCritical: true);

    private void OnPermissionTimer() => _ = RunMaintenanceAsync(static c => c.RefreshPermissionsAsync(), allocationCritical: false);

    private void OnChannelTimer() => _ = RunMaintenanceAsync(static c => c.RefreshChannelsAsync(), allocationCritical: false);

    private async Task RunMaintenanceAsync(Func<TurnClient, Task> work, bool allocationCritical)
    {
        if (Volatile.Read(ref _disposed) != 0)
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
            if (allocationCritical && Volatile.Read(ref _disposed) == 0)
            {
                TurnLog.AllocationLost(_logger, ex);
                AllocationLost?.Invoke(this, ex);
            }
        }
    }

    private async Task RefreshPermissionsAsync()
    {
        List<IPAddress> installed = [];
        lock (_gate)
        {
            foreach (var permission in _permissions.Values)
            {
                if (permission.Installed)
                {
                    installed.Add(permission.Address);
                }
            }
        }

        if (installed.Count > 0)
        {
            await SendCreatePermissionAsync([.. installed], _lifetime.Token).ConfigureAwait(false);
        }
    }

    private async Task RefreshChannelsAsync()
    {
        List<TurnPeer> bound = [];
        lock (_gate)
        {
            foreach (var peer in _peersByChannel.Values)
            {
                if (peer.ChannelBound)
                {
                    bound.Add(peer);
                }
            }
        }

        foreach (var peer in bound)
        {
            await SendChannelBindAsync(peer, _lifetime.Token).ConfigureAwait(false);
        }
    }
}
