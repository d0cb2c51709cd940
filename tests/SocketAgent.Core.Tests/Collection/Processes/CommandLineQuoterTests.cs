using System.Diagnostics;
using System.Text;
using CsCheck;
using SocketAgent.Collection.Processes;

namespace SocketAgent.Tests.Collection.Processes;

public class CommandLineQuoterTests
{
    [Theory]
    [InlineData(new string[0], "")]
    [InlineData(new[] { "/usr/bin/python3", "-m", "http.server", "8080" }, "/usr/bin/python3 -m http.server 8080")]
    [InlineData(new[] { "a b" }, "'a b'")]
    [InlineData(new[] { "" }, "''")]
    [InlineData(new[] { "echo", "" }, "echo ''")]
    [InlineData(new[] { "it's" }, @"'it'\''s'")]
    [InlineData(new[] { "'" }, @"''\'''")]
    [InlineData(new[] { "$HOME", "`id`", "a;b", "*", "~" }, "'$HOME' '`id`' 'a;b' '*' '~'")]
    [InlineData(new[] { "key=value", "user@host:/p,a+b%c" }, "key=value user@host:/p,a+b%c")]
    [InlineData(new[] { "ünï ✓" }, "'ünï ✓'")]
    [InlineData(new[] { "line1\nline2" }, "'line1\nline2'")]
    public void QuotesLikeShlex(string[] args, string expected) => Assert.Equal(expected, CommandLineQuoter.Quote(args));

    [Fact]
    public void ShellSplitsTheQuotedLineBackIntoTheSameArguments()
    {
        // Each sample spawns /bin/sh, so few iterations; the alphabet holds every character the shell treats specially.
        // Mostly plain letters, so a single special character often sits in an otherwise safe word ("a$b", "~x").
        Gen<string> arg = Gen.Char["aaaaaaaaaabbbbbbbbbb '\"\\$`!*?[]{}()<>|&;#~=%,.:/@+-\t\né✓"].Array[0, 8].Select(c => new string(c));
        arg.Array[1, 5].Sample(args => Assert.Equal(args, RunThroughShell(CommandLineQuoter.Quote(args))), iter: 40, threads: 1);
    }

    [Fact]
    public void ShellRoundTripsTheNastyCases()
    {
        string[] args = ["", "'", "''", "a'b'c", "\\'", "$(id)", "\"$x\"", "$x", "a$HOME", "~", "~root", "a*", "#c", "a#b", "!1", " ", "-", "--", "ünï ✓"];
        Assert.Equal(args, RunThroughShell(CommandLineQuoter.Quote(args)));
    }

    /// <summary>Runs <c>sh -c 'printf "%s\0" ARGS'</c> and returns what the shell split <paramref name="commandLine"/> into.</summary>
    private static string[] RunThroughShell(string commandLine)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            StandardOutputEncoding = new UTF8Encoding(false),
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("printf '%s\\0' " + commandLine);
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        Assert.EndsWith("\0", output);
        return output[..^1].Split('\0');
    }
}
