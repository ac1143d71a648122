using System.Text;

namespace CallBot.Abstractions.Ffmpeg;

/// <summary>Keeps the last <c>limit</c> characters of a text stream (FFmpeg's stderr): memory stays bounded whatever it prints.</summary>
internal sealed class BoundedTextTail
{
    private readonly int _limit;
    private readonly StringBuilder _text = new();
    private readonly Lock _gate = new();
    private bool _truncated;

    public BoundedTextTail(int limit) => _limit = Math.Max(256, limit);

    public void AppendLine(string line)
    {
        lock (_gate)
        {
            _text.Append(line).Append('\n');
            if (_text.Length > _limit)
            {
                _text.Remove(0, _text.Length - _limit);
                _truncated = true;
            }
        }
    }

    public override string ToString()
    {
        lock (_gate)
        {
            return _truncated ? "…" + _text : _text.ToString();
        }
    }
}
