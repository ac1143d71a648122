namespace CallBot.Load.Scenario;

/// <summary>One problem in a scenario file: the YAML path (e.g. <c>load.stages[1].duration</c>), its line, and what is wrong.</summary>
public sealed record ScenarioError(string Path, int Line, string Message)
{
    public override string ToString() => Line > 0 ? $"{Path} (line {Line}): {Message}" : $"{Path}: {Message}";
}

/// <summary>Thrown by <see cref="ScenarioLoader.LoadFile"/> when a scenario is invalid; the message lists every error.</summary>
public sealed class ScenarioException : Exception
{
    public ScenarioException()
        : this([])
    {
    }

    public ScenarioException(string message)
        : base(message)
    {
        Errors = [];
    }

    public ScenarioException(string message, Exception inner)
        : base(message, inner)
    {
        Errors = [];
    }

    public ScenarioException(IReadOnlyList<ScenarioError> errors)
        : base("Invalid scenario:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e)))
    {
        Errors = errors;
    }

    public IReadOnlyList<ScenarioError> Errors { get; }
}
