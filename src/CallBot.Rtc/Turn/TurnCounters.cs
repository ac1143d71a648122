namespace CallBot.Rtc.Turn;

/// <summary>What one TURN client did; read by tests and metrics. Updated with Interlocked, read without locks.</summary>
public sealed class TurnCounters
{
    private readonly long[] _dropped = new long[Enum.GetValues<TurnDropReason>().Length];
    private long _requestsSent;
    private long _retransmissions;
    private long _errorResponses;
    private long _allocations;
    private long _refreshes;
    private long _permissionRequests;
    private long _channelBinds;
    private long _channelDataSent;
    private long _channelDataReceived;
    private long _sendIndications;
    private long _dataIndications;
    private long _sendFailures;
    private long _handlerFailures;

    public long RequestsSent => Interlocked.Read(ref _requestsSent);

    public long Retransmissions => Interlocked.Read(ref _retransmissions);

    public long ErrorResponses => Interlocked.Read(ref _errorResponses);

    public long Allocations => Interlocked.Read(ref _allocations);

    /// <summary>Successful Refresh transactions (including the final one with LIFETIME 0).</summary>
    public long Refreshes => Interlocked.Read(ref _refreshes);

    /// <summary>Successful CreatePermission transactions (first installs and refreshes).</summary>
    public long PermissionRequests => Interlocked.Read(ref _permissionRequests);

    /// <summary>Successful ChannelBind transactions (first binds and refreshes).</summary>
    public long ChannelBinds => Interlocked.Read(ref _channelBinds);

    public long ChannelDataSent => Interlocked.Read(ref _channelDataSent);

    public long ChannelDataReceived => Interlocked.Read(ref _channelDataReceived);

    public long SendIndicationsSent => Interlocked.Read(ref _sendIndications);

    public long DataIndicationsReceived => Interlocked.Read(ref _dataIndications);

    public long SendFailures => Interlocked.Read(ref _sendFailures);

    /// <summary>Frames whose handling threw (a bug: every bad input should be a counted drop instead).</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    public long Dropped(TurnDropReason reason) => Interlocked.Read(ref _dropped[(int)reason]);

    public long TotalDropped
    {
        get
        {
            long total = 0;
            for (var i = 0; i < _dropped.Length; i++)
            {
                total += Interlocked.Read(ref _dropped[i]);
            }

            return total;
        }
    }

    internal void OnDropped(TurnDropReason reason) => Interlocked.Increment(ref _dropped[(int)reason]);

    internal void OnRequestSent() => Interlocked.Increment(ref _requestsSent);

    internal void OnRetransmission() => Interlocked.Increment(ref _retransmissions);

    internal void OnErrorResponse() => Interlocked.Increment(ref _errorResponses);

    internal void OnAllocation() => Interlocked.Increment(ref _allocations);

    internal void OnRefresh() => Interlocked.Increment(ref _refreshes);

    internal void OnPermission() => Interlocked.Increment(ref _permissionRequests);

    internal void OnChannelBind() => Interlocked.Increment(ref _channelBinds);

    internal void OnChannelDataSent() => Interlocked.Increment(ref _channelDataSent);

    internal void OnChannelDataReceived() => Interlocked.Increment(ref _channelDataReceived);

    internal void OnSendIndication() => Interlocked.Increment(ref _sendIndications);

    internal void OnDataIndication() => Interlocked.Increment(ref _dataIndications);

    internal void OnHandlerFailure() => Interlocked.Increment(ref _handlerFailures);

    internal void OnSendFailure() => Interlocked.Increment(ref _sendFailures);
}
