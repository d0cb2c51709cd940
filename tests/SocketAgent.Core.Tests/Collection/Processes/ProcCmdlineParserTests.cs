using CsCheck;
using SocketAgent.Collection.Processes;

namespace SocketAgent.Tests.Collection.Processes;

public class ProcCmdlineParserTests
{
    [Fact]
    public void SplitsCapturedPythonCmdline() =>
        Assert.Equal(
            ["/root/.pyenv/versions/3.11.7/bin/python3", "-c", "import time,sys; time.sleep(5)", "arg with spaces", "it's", "ünï ✓"],
            ProcCmdlineParser.Parse(ProcessFixtures.Read("python", "cmdline")));

    [Fact]
    public void KernelThreadHasNoArguments()
    {
        Assert.Empty(ProcCmdlineParser.Parse(ProcessFixtures.Read("kthreadd", "cmdline")));
        Assert.Empty(ProcCmdlineParser.Parse(ProcessFixtures.Read("crafted", "cmdline-empty")));
    }

    [Fact]
    public void RewrittenArgvWithoutNulStaysOneArgument() =>
        Assert.Equal(["sshd: root@pts/0 [priv]"], ProcCmdlineParser.Parse(ProcessFixtures.Read("crafted", "cmdline-rewritten")));

    [Theory]
    [InlineData("a\0b", new[] { "a", "b" })] // no trailing NUL
    [InlineData("a\0\0", new[] { "a", "" })] // prog ''
    [InlineData("a\0\0b\0", new[] { "a", "", "b" })]
    [InlineData("\0", new[] { "" })]
    public void KeepsEmptyArgumentsAndToleratesMissingTerminator(string raw, string[] expected) =>
        Assert.Equal(expected, ProcCmdlineParser.Parse(System.Text.Encoding.UTF8.GetBytes(raw)));

    [Fact]
    public void RoundTripsNulJoinedArguments() =>
        Gen.String[Gen.Char["ab c'\"é✓\n"], 0, 8].Array[1, 6].Sample(args =>
        {
            byte[] raw = System.Text.Encoding.UTF8.GetBytes(string.Join('\0', args) + "\0");
            Assert.Equal(args, ProcCmdlineParser.Parse(raw));
        }, iter: 500);

    [Fact]
    public void RandomBytesNeverThrow() =>
        Gen.Byte.Array[0, 512].Sample(bytes => { ProcCmdlineParser.Parse(bytes); }, iter: 2000);
}
