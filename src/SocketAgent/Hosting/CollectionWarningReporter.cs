using Microsoft.Extensions.Logging;
using SocketAgent.Logging;

namespace SocketAgent.Cli.Hosting;

/// <summary>
/// The daemon's side of <see cref="SocketAgent.Collection.CollectionDiagnostics"/>: what a pass could not see
/// (sockets without owners when not root, unreadable namespaces, missing capabilities), the same warnings
/// <c>--once</c> prints. The collector repeats them every pass; each kind (the text without its numbers) is logged
/// once at start, and again when its numbers change — at most once per <see cref="ChangeInterval"/>, since counts
/// like "33 of 35 sockets" move every cycle on a busy host. Every line logged counts in <see cref="Logged"/>
/// (the heartbeat's <c>counters.warnings</c>, <c>socket_agent_warnings_total</c>).
/// </summary>
internal sealed class CollectionWarningReporter(TimeProvider time)
{
    public static readonly TimeSpan ChangeInterval = TimeSpan.FromMinutes(1);

    /// <summary>Kinds remembered at most (a bug that puts unbounded text in warnings must not grow memory).</summary>
    private const int MaxKinds = 10_000;

    private readonly Dictionary<string, (string Text, long At)> _kinds = new(StringComparer.Ordinal);

    /// <summary>Warning lines logged since start.</summary>
    public long Logged { get; private set; }

    public void Report(ILogger logger, IEnumerable<string> warnings)
    {
        long now = time.GetTimestamp();
        foreach (string warning in warnings)
        {
            string kind = MessageThrottle.KindOf(warning);
            if (_kinds.TryGetValue(kind, out (string Text, long At) last))
            {
                if (last.Text == warning || time.GetElapsedTime(last.At, now) < ChangeInterval)
                {
                    // Unchanged, or changed too recently: a later pass that still differs logs it.
                    continue;
                }
            }
            else if (_kinds.Count >= MaxKinds)
            {
                continue;
            }
            _kinds[kind] = (warning, now);
            Logged++;
            logger.LogWarning("{Warning}", warning);
        }
    }
}
