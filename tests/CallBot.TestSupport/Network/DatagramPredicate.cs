namespace CallBot.TestSupport.Network;

/// <summary>A test over one datagram as it crossed the relay (e.g. "RTP, PT 96, marker set"). Must not keep the span.</summary>
public delegate bool DatagramPredicate(ReadOnlySpan<byte> datagram);
