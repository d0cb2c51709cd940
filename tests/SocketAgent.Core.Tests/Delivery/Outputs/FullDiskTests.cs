using System.Diagnostics;
using System.Text;
using System.Text.Json;
using SocketAgent.Delivery.Outputs;

namespace SocketAgent.Tests.Delivery.Outputs;

/// <summary>A real ENOSPC: the file output on a 64 KiB tmpfs (mounting needs root; skipped otherwise).</summary>
public sealed class FullDiskTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("socket-agent-enospc-").FullName;
    private readonly bool _mounted;
    private readonly string? _mountError;

    public FullDiskTests()
    {
        (_mounted, _mountError) = Run("mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", _directory);
    }

    public void Dispose()
    {
        if (_mounted)
        {
            Run("umount", _directory);
        }
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void A_full_disk_throws_a_clear_IOException_and_loses_no_accepted_line()
    {
        if (!_mounted)
        {
            Assert.Skip($"cannot mount a small tmpfs here ({_mountError}): needs root");
        }
        string filler = Path.Combine(_directory, "filler");
        File.WriteAllBytes(filler, new byte[40 * 1024]);
        string path = Path.Combine(_directory, "events.jsonl");

        var accepted = new List<int>();
        var refused = new List<int>();
        IOException? full = null;
        using (var output = new RotatingFileOutput(new FileOutputOptions { Path = path, BufferSize = 1024, MaxAge = TimeSpan.Zero }))
        {
            int n = 0;
            // Until the disk is full, then a while longer: the lines that fit the buffer are accepted, the rest refused.
            for (int failures = 0; failures < 50 && n < 10_000; n++)
            {
                try
                {
                    output.Write(Line(n));
                    accepted.Add(n);
                    if (n % 7 == 0)
                    {
                        output.Flush();
                    }
                }
                catch (IOException ex)
                {
                    full ??= ex;
                    failures++;
                    if (!accepted.Contains(n))
                    {
                        refused.Add(n);
                    }
                }
            }
            Assert.NotNull(full);
            Assert.Equal(28, full.HResult);
            Assert.Contains("no space left", full.Message, StringComparison.Ordinal);
            Assert.NotEmpty(refused);
            Assert.True(output.BufferedBytes > 0);

            // Room again: what was accepted but kept buffered now reaches the file.
            File.Delete(filler);
            output.Write(Line(n));
            accepted.Add(n);
            output.Flush();
            Assert.Equal(0, output.BufferedBytes);
        }

        string[] lines = File.ReadAllText(path).Split('\n');
        Assert.Equal("", lines[^1]);
        var written = new List<int>();
        int torn = 0;
        foreach (string line in lines[..^1])
        {
            if (TryN(line, out int value))
            {
                written.Add(value);
            }
            else
            {
                torn++;
            }
        }
        // Every accepted line exactly once, in order; a line the disk took only part of is a fragment line of its own.
        Assert.Equal(accepted, written);
        Assert.Empty(written.Intersect(refused));
        Assert.True(torn <= 1, $"{torn} fragment lines");
    }

    private static byte[] Line(int n) => Encoding.UTF8.GetBytes($"{{\"n\":{n},\"pad\":\"{new string('x', 200)}\"}}");

    private static bool TryN(string line, out int n)
    {
        n = 0;
        try
        {
            n = JsonDocument.Parse(line).RootElement.GetProperty("n").GetInt32();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static (bool Ok, string? Error) Run(string file, params string[] arguments)
    {
        try
        {
            using Process process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardError = true })!;
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode == 0, error.Trim());
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (false, ex.Message);
        }
    }
}
