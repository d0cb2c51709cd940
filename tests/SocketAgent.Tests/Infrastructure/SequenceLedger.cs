using System.Text.Json;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// Every stdout line of several runs of one agent (one state directory), checked for what <c>event.sequence</c>
/// promises across restarts, crashes and full disks: no number is used for two different events (two
/// <c>event.id</c>s), and every number missing below the highest seen is named by a <c>loss</c> line's range.
/// </summary>
internal sealed class SequenceLedger
{
    private readonly Dictionary<long, string> _ids = [];
    private readonly List<(long First, long Last, string Reason)> _losses = [];
    private readonly List<string> _reused = [];

    /// <summary>Lines read (every run).</summary>
    public int Lines { get; private set; }

    /// <summary>The loss lines' ranges and reasons, in the order read.</summary>
    public IReadOnlyList<(long First, long Last, string Reason)> Losses => _losses;

    /// <summary>The highest sequence seen.</summary>
    public long Highest => _ids.Count == 0 ? 0 : _ids.Keys.Max();

    /// <summary>The sequences seen.</summary>
    public IReadOnlyCollection<long> Sequences => _ids.Keys;

    /// <summary>Adds a run's complete lines (a line torn by a kill -9 is not a line, and is skipped).</summary>
    public void Add(IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                continue;
            }
            using (document)
            {
                JsonElement e = document.RootElement.GetProperty("event");
                long sequence = e.GetProperty("sequence").GetInt64();
                string id = e.GetProperty("id").GetString()!;
                Lines++;
                if (_ids.TryGetValue(sequence, out string? seen))
                {
                    if (seen != id)
                    {
                        _reused.Add($"{sequence}: {seen} and {id}");
                    }
                }
                else
                {
                    _ids[sequence] = id;
                }
                if (document.RootElement.TryGetProperty("loss", out JsonElement loss))
                {
                    _losses.Add((loss.GetProperty("first_sequence").GetInt64(), loss.GetProperty("last_sequence").GetInt64(), loss.GetProperty("reason").GetString()!));
                }
            }
        }
    }

    /// <summary>Numbers below the highest that no line has and no loss range names.</summary>
    public long[] Unexplained()
    {
        long highest = Highest;
        var named = new HashSet<long>();
        foreach ((long first, long last, _) in _losses)
        {
            for (long s = first; s <= Math.Min(last, highest); s++)
            {
                named.Add(s);
            }
        }
        var missing = new List<long>();
        for (long s = 1; s <= highest; s++)
        {
            if (!_ids.ContainsKey(s) && !named.Contains(s))
            {
                missing.Add(s);
            }
        }
        return [.. missing];
    }

    /// <summary>Fails the test on a number used for two events or a gap no loss line names.</summary>
    public void AssertConsistent()
    {
        Assert.True(_reused.Count == 0, $"{_reused.Count} sequences used for two different events, first: {string.Join("; ", _reused.Take(5))}");
        long[] missing = Unexplained();
        Assert.True(missing.Length == 0, $"{missing.Length} sequences up to {Highest} neither emitted nor named by a loss line, first: {string.Join(',', missing.Take(10))}");
    }
}
