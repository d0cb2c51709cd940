using System.Diagnostics;

namespace SocketAgent.Correlation.Map;

/// <summary>
/// Renders DOT with Graphviz's own <c>dot</c> program (Debian/Ubuntu package graphviz), found on PATH. Graphviz's
/// layout is what makes a dependency picture readable (ranks, clusters, edges routed around boxes); nothing in .NET
/// lays graphs out as well, so the map invokes it rather than drawing its own.
/// </summary>
internal static class GraphvizRenderer
{
    public const string Program = "dot";

    /// <summary>The <c>dot</c> executable on PATH, or null when Graphviz is not installed.</summary>
    public static string? Find()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, Program);
            if (File.Exists(candidate) && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }
        return null;
    }

    /// <summary>Runs <c>dot -T<paramref name="format"/></c> on <paramref name="dotText"/> and copies what it prints to <paramref name="output"/>.</summary>
    /// <exception cref="MapOutputException">dot failed; its message carries dot's own error text.</exception>
    public static void Render(string dotProgram, string dotText, string format, Stream output)
    {
        var info = new ProcessStartInfo(dotProgram)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-T" + format);
        Process? started;
        try
        {
            started = Process.Start(info);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new MapOutputException($"could not run {dotProgram}: {ex.Message}");
        }
        using Process process = started ?? throw new MapOutputException($"could not start {dotProgram}");
        // All three pipes at once: a large map fills dot's stdout while we are still writing its stdin.
        Task<string> errors = process.StandardError.ReadToEndAsync();
        var picture = new MemoryStream();
        Task copied = process.StandardOutput.BaseStream.CopyToAsync(picture);
        process.StandardInput.Write(dotText);
        process.StandardInput.Close();
        copied.GetAwaiter().GetResult();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new MapOutputException($"{dotProgram} -T{format} failed (exit {process.ExitCode}): {errors.GetAwaiter().GetResult().Trim()}");
        }
        picture.Position = 0;
        picture.CopyTo(output);
    }
}
