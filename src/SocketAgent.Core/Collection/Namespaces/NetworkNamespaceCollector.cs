using SocketAgent.Model;

namespace SocketAgent.Collection.Namespaces;

/// <summary>
/// Runs a collection function in each of a set of network namespaces and returns one outcome per namespace, in a
/// stable order (the agent's namespace first, then by inode). A namespace that cannot be entered or whose function
/// throws is an outcome with an error plus a warning and a counter in the diagnostics, never an exception: the
/// rest of the host is still collected.
/// </summary>
internal sealed class NetworkNamespaceCollector
{
    /// <summary>Counter: namespaces that could not be entered for lack of CAP_SYS_ADMIN.</summary>
    public const string EnterDeniedCounter = "namespaces.enter_denied";

    /// <summary>Counter: namespaces that vanished between enumeration and collection.</summary>
    public const string VanishedCounter = "namespaces.vanished";

    /// <summary>Counter: namespaces whose collection function failed.</summary>
    public const string FailedCounter = "namespaces.failed";

    private const int MaxNamesListed = 8;

    private readonly NetworkNamespaceRunner _runner;

    public NetworkNamespaceCollector(NetworkNamespaceRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        _runner = runner;
    }

    public IReadOnlyList<NamespaceOutcome<T>> Collect<T>(
        IEnumerable<NetworkNamespace> namespaces, Func<NetworkNamespace, T> collect, CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(namespaces);
        ArgumentNullException.ThrowIfNull(collect);
        ArgumentNullException.ThrowIfNull(diagnostics);

        // Dedupe by inode (a --netns path and a pid may name the same one), then the output order.
        var byInode = new Dictionary<ulong, NetworkNamespace>();
        foreach (NetworkNamespace ns in namespaces)
        {
            byInode.TryAdd(ns.Inode, ns);
        }
        var ordered = new List<NetworkNamespace>(byInode.Values);
        ordered.Sort(NetworkNamespaceIndex.CompareForOutput);

        NamespaceOutcome<T>[] outcomes = _runner.RunEach(ordered, collect);
        Report(outcomes, diagnostics);
        return outcomes;
    }

    private static void Report<T>(NamespaceOutcome<T>[] outcomes, CollectionDiagnostics diagnostics)
    {
        List<string>? denied = null;
        int deniedCount = 0;
        foreach (NamespaceOutcome<T> outcome in outcomes)
        {
            if (outcome.Error is null)
            {
                continue;
            }
            if (outcome.Error is NetworkNamespaceException { IsPermissionDenied: true } && outcome.NotEntered)
            {
                // One line for all of them: without CAP_SYS_ADMIN every foreign namespace fails alike.
                deniedCount++;
                denied ??= [];
                if (denied.Count < MaxNamesListed)
                {
                    denied.Add(NetworkNamespaceText.Describe(outcome.Namespace));
                }
            }
            else if (outcome.NotEntered)
            {
                diagnostics.Count(VanishedCounter);
                diagnostics.Warn(outcome.Error.Message);
            }
            else
            {
                diagnostics.Count(FailedCounter);
                diagnostics.Warn($"collecting in network namespace {NetworkNamespaceText.Describe(outcome.Namespace)} failed: {outcome.Error.Message}");
            }
        }

        if (deniedCount > 0)
        {
            diagnostics.Count(EnterDeniedCounter, deniedCount);
            string more = deniedCount > denied!.Count ? ", …" : "";
            diagnostics.Warn(
                $"could not enter {deniedCount} network namespace{(deniedCount == 1 ? "" : "s")} (needs CAP_SYS_ADMIN): " +
                $"{string.Join(", ", denied)}{more}; collected the others");
        }
    }
}
