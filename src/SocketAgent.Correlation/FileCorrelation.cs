namespace SocketAgent.Correlation;

/// <summary>
/// The files mode: the files merged by time, every line joined, what waited long enough written as it goes, and at
/// the end of the files everything still held written (one-sided, or open).
/// </summary>
internal static class FileCorrelation
{
    /// <summary>Lines between two polls of the wait queues: often enough to keep state small, rarely enough to cost nothing.</summary>
    private const int PollEvery = 1024;

    public static void Run(IReadOnlyList<EventLineReader> inputs, CorrelationEngine engine, Action<string> warn)
    {
        using var merger = new EventFileMerger(inputs);
        bool warned = false;
        int sincePoll = 0;
        while (merger.Next(out int index) is { } reader)
        {
            if (engine.ProcessLine(reader.Current.Span, SourcePosition.None, 0) == SocketEventParseResult.Invalid && !warned)
            {
                warned = true; // one warning; the count is in the summary
                warn($"{reader.Name}:{reader.LineNumber}: not a socket event line, skipped (further bad lines are only counted)");
            }
            merger.Advance(index);
            if (++sincePoll == PollEvery)
            {
                sincePoll = 0;
                engine.Poll(0);
            }
        }
        engine.Poll(0);
        engine.FlushAll();
        long tooLong = inputs.Sum(static r => r.TooLong);
        if (tooLong > 0)
        {
            engine.Counters.Invalid += tooLong;
            warn($"{tooLong} lines longer than {EventLineReader.MaxLineLength} bytes skipped");
        }
    }
}
