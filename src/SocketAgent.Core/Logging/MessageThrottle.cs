using System.Globalization;
using System.Text;

namespace SocketAgent.Logging;

/// <summary>
/// Rate-limits a stream of diagnostic lines that repeat (a broker down: librdkafka reports every reconnect, the
/// delivery loop every retry): the first line of a kind is written at once, repeats within <c>window</c> are counted,
/// and the next one after the window writes one summary line with the count and the latest text. Lines of a kind
/// are the same text once digit runs are ignored (ports, attempt numbers, milliseconds differ between repeats).
/// A kind quiet for a whole window is forgotten: its next line is written in full again. Thread-safe.
/// </summary>
public sealed class MessageThrottle
{
    /// <summary>Kinds remembered at most; past it the quiet ones are forgotten.</summary>
    private const int MaxKinds = 1000;

    private readonly Action<string> _write;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Kind> _kinds = new(StringComparer.Ordinal);

    public MessageThrottle(Action<string> write, TimeSpan window, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _write = write;
        _window = window;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Lines counted and not written (each summarised later).</summary>
    public long Suppressed { get; private set; }

    /// <summary>Writes <paramref name="message"/>, or counts it when a line of its kind was written within the window.</summary>
    public void Write(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        string? line;
        lock (_lock)
        {
            line = Next(message);
        }
        if (line is not null)
        {
            _write(line);
        }
    }

    private string? Next(string message)
    {
        long now = _time.GetTimestamp();
        string key = KindOf(message);
        if (_kinds.TryGetValue(key, out Kind? kind))
        {
            if (_time.GetElapsedTime(kind.Since, now) < _window)
            {
                kind.Repeats++;
                kind.Latest = message;
                Suppressed++;
                return null;
            }
            kind.Since = now;
            if (kind.Repeats == 0)
            {
                return message;
            }
            // The window ended with repeats: this line closes it with the count (itself included) and starts the next.
            long repeats = kind.Repeats + 1;
            kind.Repeats = 0;
            return string.Create(CultureInfo.InvariantCulture,
                $"{message} (repeated {repeats} times in the last {Math.Round(_window.TotalSeconds)} s)");
        }
        if (_kinds.Count >= MaxKinds)
        {
            foreach ((string old, Kind quiet) in _kinds.ToList())
            {
                if (_time.GetElapsedTime(quiet.Since, now) >= _window)
                {
                    _kinds.Remove(old);
                }
            }
        }
        if (_kinds.Count < MaxKinds)
        {
            _kinds[key] = new Kind { Since = now, Latest = message };
        }
        return message;
    }

    /// <summary>The text with every digit run replaced by '#': lines that differ only in their numbers are one kind.</summary>
    public static string KindOf(string message)
    {
        var key = new StringBuilder(message.Length);
        bool inDigits = false;
        foreach (char c in message)
        {
            if (char.IsAsciiDigit(c))
            {
                if (!inDigits)
                {
                    key.Append('#');
                }
                inDigits = true;
            }
            else
            {
                key.Append(c);
                inDigits = false;
            }
        }
        return key.ToString();
    }

    private sealed class Kind
    {
        public long Since { get; set; }
        public long Repeats { get; set; }
        public string Latest { get; set; } = "";
    }
}
