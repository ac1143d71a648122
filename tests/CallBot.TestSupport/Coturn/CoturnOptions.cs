namespace CallBot.TestSupport.Coturn;

/// <summary>Knobs of a private coturn instance; the defaults suit most TURN tests.</summary>
public sealed class CoturnOptions
{
    public string Username { get; set; } = "callbot";

    public string Password { get; set; } = "relay-secret";

    public string Realm { get; set; } = "callbot.test";

    /// <summary>coturn's <c>--stale-nonce</c> in seconds (nonce lifetime); null = coturn default (nonces do not expire).</summary>
    public int? StaleNonceSeconds { get; set; }

    /// <summary>coturn's <c>--max-allocate-lifetime</c> in seconds; null = 3600.</summary>
    public int? MaxAllocateLifetimeSeconds { get; set; }

    /// <summary>coturn's <c>--permission-lifetime</c> in seconds; null = 300.</summary>
    public int? PermissionLifetimeSeconds { get; set; }

    /// <summary>coturn's <c>--channel-lifetime</c> in seconds; null = 600.</summary>
    public int? ChannelLifetimeSeconds { get; set; }

    /// <summary>Adds <c>-v</c> so the log shows every request (useful when a test fails).</summary>
    public bool Verbose { get; set; } = true;
}
