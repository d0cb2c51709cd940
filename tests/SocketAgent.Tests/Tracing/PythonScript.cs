using System.Diagnostics;
using System.Globalization;

namespace SocketAgent.Tests.Tracing;

/// <summary>How the tracing tests' traffic scripts are started and what they print, shared by TCP and UDP traffic.</summary>
internal static class PythonScript
{
    /// <summary>
    /// <c>python3 SCRIPT ARGS…</c> with stdout and stderr redirected, optionally under a launcher such as
    /// <c>ip netns exec NAME</c> (which then runs python3).
    /// </summary>
    public static ProcessStartInfo Info(string[] launcher, string script, params string[] args)
    {
        var info = new ProcessStartInfo(launcher.Length > 0 ? launcher[0] : "python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in launcher.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }
        if (launcher.Length > 0)
        {
            info.ArgumentList.Add("python3");
        }
        info.ArgumentList.Add(script);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        return info;
    }

    /// <summary>The scripts' <c>family port</c> lines, one per socket they used.</summary>
    public static List<(int Family, int Port)> ParsePorts(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(static l => l.Split(' '))
            .Select(static p => (int.Parse(p[0], CultureInfo.InvariantCulture), int.Parse(p[1], CultureInfo.InvariantCulture)))
            .ToList();
}
