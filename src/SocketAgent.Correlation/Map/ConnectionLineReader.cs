namespace SocketAgent.Correlation.Map;

/// <summary>
/// Feeds lines into a <see cref="ServiceMap"/>, counting the ones that are not connection lines. The first bad
/// line's place and reason are kept so the command can report them once (a stream of thousands of bad lines must
/// not become thousands of stderr lines).
/// </summary>
internal sealed class ConnectionLineReader(ServiceMap map)
{
    public long Lines { get; private set; }
    public long Invalid { get; private set; }

    /// <summary>Where the first bad line was and why (<c>file:line: reason</c>), or null.</summary>
    public string? FirstInvalid { get; private set; }

    public void Read(TextReader reader, string source)
    {
        long number = 0;
        while (reader.ReadLine() is { } text)
        {
            number++;
            Add(text, source, number);
        }
    }

    public void Add(string text, string source, long number)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }
        Lines++;
        if (ConnectionLineParser.TryParse(text, out ConnectionLine? line, out string? error))
        {
            map.Add(line);
        }
        else
        {
            Invalid++;
            FirstInvalid ??= $"{source}:{number}: {error}";
        }
    }
}
