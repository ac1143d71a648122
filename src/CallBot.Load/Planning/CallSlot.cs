using CallBot.Load.Driver;

namespace CallBot.Load.Planning;

/// <summary>A planned call before participants are chosen: the part of the plan that does not depend on sharding.</summary>
public sealed record CallSlot(int Index, TimeSpan Start, TimeSpan Duration, TimeSpan AnswerDelay, CallExpectation Expect, bool Record);
