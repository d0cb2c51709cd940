using System.Diagnostics;
using System.Text.RegularExpressions;

namespace SocketAgent.Tests.Conformance;

/// <summary>
/// Parses <c>ss -tuaxnp</c> into comparable keys: transport, local and remote endpoint, state and owner pids.
/// The oracle for the conformance test; kept small and strict so a format surprise fails loudly.
/// </summary>
internal static partial class SsOutput
{
    [GeneratedRegex(@"\s+users:\(\((?<users>.*)\)\)\s*$")]
    private static partial Regex UsersRegex();

    [GeneratedRegex(@"pid=(?<pid>\d+)")]
    private static partial Regex PidRegex();

    public static string Capture(string arguments)
    {
        var info = new ProcessStartInfo("ss", arguments) { RedirectStandardOutput = true, UseShellExecute = false };
        using Process ss = Process.Start(info)!;
        string output = ss.StandardOutput.ReadToEnd();
        ss.WaitForExit();
        Assert.Equal(0, ss.ExitCode);
        return output;
    }

    public static HashSet<string> Parse(string text)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (string rawLine in text.Split('\n').Skip(1))
        {
            if (string.IsNullOrWhiteSpace(rawLine))
            {
                continue;
            }
            string line = rawLine;
            int[] pids = [];
            Match users = UsersRegex().Match(line);
            if (users.Success)
            {
                pids = PidRegex().Matches(users.Groups["users"].Value).Select(static m => int.Parse(m.Groups["pid"].Value)).Distinct().Order().ToArray();
                line = line[..users.Index];
            }
            string[] t = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            string netid = t[0], state = t[1];
            if (netid.StartsWith("u_", StringComparison.Ordinal))
            {
                // u_str STATE rq sq <path possibly with spaces | *> INODE * PEER: parse from the right.
                keys.Add(Key("unix", state, "inode=" + t[^3], "peer=" + t[^1], pids));
            }
            else
            {
                keys.Add(Key(netid, state, Endpoint(t[4]), Endpoint(t[5]), pids));
            }
        }
        return keys;
    }

    public static string Key(string transport, string ssState, string local, string remote, IEnumerable<int> pids) =>
        $"{transport}|{ssState}|{local}|{remote}|{string.Join(',', pids)}";

    /// <summary>ss's endpoint as a canonical "address port": wildcards as "*", v4-mapped as IPv4, no %iface.</summary>
    public static string Endpoint(string text)
    {
        int colon = text.LastIndexOf(':');
        string host = text[..colon], port = text[(colon + 1)..];
        int percent = host.IndexOf('%');
        if (percent >= 0) host = host[..percent];
        host = host.Trim('[', ']');
        return Canonical(host, port == "*" ? 0 : int.Parse(port));
    }

    public static string Canonical(string? ip, long port)
    {
        string host = ip ?? "*";
        if (host.StartsWith("::ffff:", StringComparison.OrdinalIgnoreCase) && host.Contains('.')) host = host[7..];
        if (host is "0.0.0.0" or "::" or "") host = "*";
        return $"{host} {port}";
    }

    /// <summary>ss's state column for our netstat-style state name.</summary>
    public static string SsState(string transport, string netstatState) => (transport, netstatState) switch
    {
        ("unix", "LISTENING") => "LISTEN",
        ("unix", "CONNECTED") => "ESTAB",
        ("unix", "CONNECTING") => "SYN-SENT",
        (_, "") => "UNCONN",
        (_, "ESTABLISHED") => "ESTAB",
        (_, "FIN_WAIT1") => "FIN-WAIT-1",
        (_, "FIN_WAIT2") => "FIN-WAIT-2",
        (_, "CLOSE") => "UNCONN",
        _ => netstatState.Replace('_', '-'),
    };
}
