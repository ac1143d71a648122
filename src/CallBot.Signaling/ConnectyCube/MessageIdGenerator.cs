using System.Globalization;
using System.Security.Cryptography;

namespace CallBot.Signaling.ConnectyCube;

/// <summary>
/// Message ids shaped like MongoDB ObjectIds, as the SDK's <c>Utils.getBsonObjectId</c> makes them:
/// 24 lowercase hex digits = 8 (unix seconds) + 6 (machine) + 4 (process) + 6 (counter).
/// Thread-safe.
/// </summary>
public sealed class MessageIdGenerator
{
    private const int MachineMask = 0xFFFFFF;
    private const int ProcessMask = 0x7FFF;
    private const int CounterMask = 0xFFFFFF;

    private readonly TimeProvider _time;
    private readonly int _machine = RandomNumberGenerator.GetInt32(MachineMask + 1);
    private readonly int _process = RandomNumberGenerator.GetInt32(ProcessMask + 1);
    private int _counter = RandomNumberGenerator.GetInt32(CounterMask + 1);

    public MessageIdGenerator(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    public string Next()
    {
        var seconds = (uint)_time.GetUtcNow().ToUnixTimeSeconds();
        var counter = Interlocked.Increment(ref _counter) & CounterMask;
        return string.Create(CultureInfo.InvariantCulture, $"{seconds:x8}{_machine:x6}{_process:x4}{counter:x6}");
    }

    public static bool IsWellFormed(string? id)
    {
        if (id is null || id.Length != 24)
        {
            return false;
        }
        foreach (var c in id)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }
}
