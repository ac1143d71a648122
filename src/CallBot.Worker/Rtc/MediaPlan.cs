using CallBot.Abstractions;
using CallBot.Media.Pacing;
using CallBot.Recording;
using CallBot.Worker.Calls;

namespace CallBot.Worker.Rtc;

/// <summary>What a peer connection of one call sends (tracks on the shared clock) and how it records the peer.</summary>
public sealed record MediaPlan(MediaClock Clock, CallMediaTracks Tracks, Func<CodecId?, CodecId?, ParticipantRecorder?> RecorderFactory);
