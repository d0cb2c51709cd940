using System.Text.Json;
using SocketAgent.Tests.Infrastructure;
using static SocketAgent.Tests.Infrastructure.AgentLines;

namespace SocketAgent.Tests.Conformance;

/// <summary>
/// On the same live sockets, socket-agent reports what <c>ss -tuaxnp</c> reports: the same set of
/// (transport, state, local, remote, pids). Other processes on the machine open and close sockets while the
/// test runs, so ss is read before and after: everything stable across both reads must be in our output, and
/// everything in our output must be in one of them.
/// </summary>
public sealed class SsConformanceTests : IClassFixture<LiveSockets>
{
    private readonly LiveSockets _live;

    public SsConformanceTests(LiveSockets live) => _live = live;

    [Theory]
    [InlineData("netlink")]
    [InlineData("procfs")]
    public void Socket_set_equals_ss_tuaxnp(string source)
    {
        // Other tests (in this process and in the other test assembly) open and close sockets at the same time;
        // a socket that lives only between two reads can make one comparison differ. Such a difference does not
        // repeat, a real one does: three tries.
        string? lastFailure = null;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            lastFailure = Compare(source);
            if (lastFailure is null)
            {
                return;
            }
        }
        Assert.Fail(lastFailure);
    }

    private string? Compare(string source)
    {
        HashSet<string> before = SsOutput.Parse(SsOutput.Capture("-tuaxnp"));
        AgentProcess.Result result = AgentProcess.Run("--once", "-t", "-u", "-x", "--source", source);
        HashSet<string> after = SsOutput.Parse(SsOutput.Capture("-tuaxnp"));
        Assert.Equal(0, result.ExitCode);

        var lines = new AgentLines(result.Lines);
        HashSet<string> ours = ToKeys(lines.Documents, source);

        // A short-lived process that inherited a socket (a fork of a long-lived server) can be in one read's owner
        // list and gone by the next: owners that have exited by now are dropped from every key before comparing.
        before = WithoutExitedOwners(before);
        after = WithoutExitedOwners(after);
        ours = WithoutExitedOwners(ours);

        // This process's own sockets other than the fixture's belong to tests running beside this one (free-port
        // probes, HTTP clients): they come and go within a read, so they are left out of the comparison — once every
        // fixture socket is known to be in our output, so that leaving them out cannot hide a missing one.
        IReadOnlySet<ulong> fixture = _live.Inodes;
        JsonElement[] fixtureDocuments = [.. lines.Documents.Where(d => Num(d, "socket.inode") is long inode && fixture.Contains((ulong)inode))];
        ulong[] rawInodes = [.. new[] { _live.RawIcmp, _live.RawIcmpV6 }.OfType<System.Net.Sockets.Socket>().Select(LiveSockets.InodeOf)];
        string[] absent = [.. fixture.Except(rawInodes).Where(i => !fixtureDocuments.Any(d => Num(d, "socket.inode") == (long)i)).Select(static i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        if (absent.Length > 0)
        {
            return "fixture sockets missing from socket-agent's output, inodes " + string.Join(',', absent);
        }
        HashSet<string> fixtureKeys = ToKeys(fixtureDocuments, source);
        string self = "|" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        bool Neighbour(string key) => key.EndsWith(self, StringComparison.Ordinal) && !fixtureKeys.Contains(key);
        ours.RemoveWhere(Neighbour);
        var stable = new HashSet<string>(before);
        stable.IntersectWith(after);
        var seen = new HashSet<string>(before);
        seen.UnionWith(after);

        // /proc/net/unix has no peer inode: compare UNIX sockets by inode and state there.
        if (source == "procfs")
        {
            stable = stable.Select(StripPeer).ToHashSet();
            seen = seen.Select(StripPeer).ToHashSet();
        }

        stable.RemoveWhere(Neighbour);
        seen.RemoveWhere(Neighbour);

        Assert.True(stable.Count > 5, "the live fixture's sockets should be there");
        string[] missing = stable.Except(ours).Order().ToArray();
        // TCP sockets that are bound but neither listening nor connected (state CLOSE, no peer): Linux ≥ 6.9 dumps
        // them to a request whose state mask has the bound-inactive bit (13), as ours does; ss 6.1 here does not ask
        // (newer ss shows them with -B). Checked on this kernel with a python bind(): we list it, ss -tan does not.
        // They are what we report and this ss cannot, so they are left out of "in socket-agent but not in ss".
        string[] extra = ours.Except(seen).Where(static k => !(k.StartsWith("tcp|UNCONN|", StringComparison.Ordinal) && k.Contains("|* 0|", StringComparison.Ordinal))).Order().ToArray();
        if (missing.Length == 0 && extra.Length == 0)
        {
            return null;
        }
        return "in ss but not in socket-agent:\n" + string.Join('\n', missing.Take(20))
            + "\nin socket-agent but not in ss:\n" + string.Join('\n', extra.Take(20));
    }

    private static HashSet<string> WithoutExitedOwners(HashSet<string> keys) => keys.Select(static key =>
    {
        int bar = key.LastIndexOf('|');
        string[] pids = key[(bar + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries);
        IEnumerable<string> alive = pids.Where(static pid => Directory.Exists("/proc/" + pid));
        return key[..(bar + 1)] + string.Join(',', alive);
    }).ToHashSet(StringComparer.Ordinal);

    private static string StripPeer(string key)
    {
        if (!key.StartsWith("unix|", StringComparison.Ordinal))
        {
            return key;
        }
        string[] parts = key.Split('|');
        parts[3] = "peer=?";
        return string.Join('|', parts);
    }

    private static HashSet<string> ToKeys(IEnumerable<JsonElement> documents, string source)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonElement d in documents)
        {
            string transport = Str(d, "network.transport")!;
            string state = SsOutput.SsState(transport, Str(d, "socket.state")!);
            int[] pids = Get(d, "socket.processes") is { ValueKind: JsonValueKind.Array } all
                ? all.EnumerateArray().Select(static p => (int)Num(p, "pid")!.Value).Order().ToArray()
                : Num(d, "process.pid") is long pid ? [(int)pid] : [];
            if (transport == "unix")
            {
                string peer = source == "procfs" ? "peer=?" : "peer=" + (Num(d, "socket.unix.peer_inode") ?? 0);
                keys.Add(SsOutput.Key("unix", state, "inode=" + Num(d, "socket.inode"), peer, pids));
            }
            else
            {
                keys.Add(SsOutput.Key(transport, state,
                    SsOutput.Canonical(Str(d, "socket.local.ip"), Num(d, "socket.local.port") ?? 0),
                    SsOutput.Canonical(Str(d, "socket.remote.ip"), Num(d, "socket.remote.port") ?? 0), pids));
            }
        }
        return keys;
    }
}
