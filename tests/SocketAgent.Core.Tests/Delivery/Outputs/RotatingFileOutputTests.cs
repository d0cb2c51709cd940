using System.IO.Compression;
using System.Text;
using System.Text.Json;
using SocketAgent.Delivery.Outputs;

namespace SocketAgent.Tests.Delivery.Outputs;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RotatingFileOutputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("socket-agent-fileout-").FullName;
    // Starts at the real now: a file the test creates is as old as the time the test then advances.
    private readonly ManualTimeProvider _time = new(DateTimeOffset.UtcNow);

    private string EventsPath => Path.Combine(_directory, "events.jsonl");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private FileOutputOptions Options(long maxBytes = 0, TimeSpan? maxAge = null, int keep = 7, bool compress = false) => new()
    {
        Path = EventsPath,
        MaxBytes = maxBytes,
        MaxAge = maxAge ?? TimeSpan.Zero,
        Keep = keep,
        Compress = compress,
        BufferSize = 256,
    };

    /// <summary>{"n":N,"pad":"xxx"} — exactly <paramref name="length"/> bytes without the newline.</summary>
    private static byte[] Line(int n, int length = 32)
    {
        string head = $"{{\"n\":{n},\"pad\":\"";
        return Encoding.UTF8.GetBytes(head + new string('x', length - head.Length - 2) + "\"}");
    }

    private static int N(string line) => JsonDocument.Parse(line).RootElement.GetProperty("n").GetInt32();

    private static string[] Lines(string path) =>
        File.ReadAllText(path).Split('\n') is [.. var lines, ""] ? lines : throw new InvalidDataException($"{path} does not end with a newline");

    [Fact]
    public void Lines_are_appended_and_reach_the_file_at_flush()
    {
        File.WriteAllText(EventsPath, "{\"n\":0}\n");
        using var output = new RotatingFileOutput(Options(), _time);

        output.Write(Line(1));
        output.Write(Line(2));
        Assert.Equal(8, new FileInfo(EventsPath).Length);
        output.Flush();

        Assert.Equal([0, 1, 2], Lines(EventsPath).Select(N));
        Assert.Equal(0, output.TornLinesRepaired);
        Assert.Equal("file", output.Name);
    }

    [Fact]
    public void Reopen_after_an_external_rename_sends_buffered_lines_to_the_old_file_and_the_next_to_a_new_one()
    {
        using var output = new RotatingFileOutput(Options(), _time);
        output.Write(Line(1));
        output.Flush();
        output.Write(Line(2));

        // logrotate: rename, then the signal; line 2 was accepted before it and belongs to the renamed file.
        File.Move(EventsPath, EventsPath + ".1");
        output.Reopen();
        output.Write(Line(3));
        output.Flush();

        Assert.Equal([1, 2], Lines(EventsPath + ".1").Select(N));
        Assert.Equal([3], Lines(EventsPath).Select(N));
        Assert.Equal(FileOutputOptions.DefaultMode, File.GetUnixFileMode(EventsPath));
    }

    [Fact]
    public void Reopen_without_a_rename_appends_to_the_same_file_and_keeps_its_age()
    {
        using var output = new RotatingFileOutput(Options(maxAge: TimeSpan.FromHours(1)), _time);
        output.Write(Line(1));
        _time.Advance(TimeSpan.FromMinutes(59));
        output.Reopen();
        output.Write(Line(2));
        output.Flush();
        Assert.Equal([1, 2], Lines(EventsPath).Select(N));

        // Still the file's birth that counts: past the hour the next line rotates.
        _time.Advance(TimeSpan.FromMinutes(2));
        output.Write(Line(3));
        output.Flush();
        Assert.Equal([1, 2], Lines(EventsPath + ".1").Select(N));
        Assert.Equal([3], Lines(EventsPath).Select(N));
    }

    [Fact]
    public void A_missing_directory_is_created_with_mode_0750_level_by_level()
    {
        string path = Path.Combine(_directory, "a", "b", "events.jsonl");
        using (var output = new RotatingFileOutput(new FileOutputOptions { Path = path, BufferSize = 256 }, _time))
        {
            output.Write(Line(1));
        }

        const UnixFileMode Mode0750 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute;
        Assert.Equal(Mode0750, File.GetUnixFileMode(Path.Combine(_directory, "a")));
        Assert.Equal(Mode0750, File.GetUnixFileMode(Path.Combine(_directory, "a", "b")));
        Assert.Equal([1], Lines(path).Select(N));
    }

    [Fact]
    public void Lines_longer_than_the_buffer_keep_their_order()
    {
        using (var output = new RotatingFileOutput(Options(), _time))
        {
            output.Write(Line(1));
            output.Write(Line(2, 1000));
            output.Write(Line(3));
        }
        Assert.Equal([1, 2, 3], Lines(EventsPath).Select(N));
    }

    [Fact]
    public void Size_rotation_never_splits_a_line_and_fills_each_file_up_to_the_limit()
    {
        // 33 bytes a line with its newline: 3 lines make 99 bytes, the 4th would make 132 > 100.
        using (var output = new RotatingFileOutput(Options(maxBytes: 100), _time))
        {
            for (int n = 1; n <= 10; n++)
            {
                output.Write(Line(n));
            }
            Assert.Equal(3, output.Rotations);
        }

        Assert.Equal([1, 2, 3], Lines(EventsPath + ".3").Select(N));
        Assert.Equal([4, 5, 6], Lines(EventsPath + ".2").Select(N));
        Assert.Equal([7, 8, 9], Lines(EventsPath + ".1").Select(N));
        Assert.Equal([10], Lines(EventsPath).Select(N));
        Assert.Equal(99, new FileInfo(EventsPath + ".1").Length);
    }

    [Fact]
    public void A_line_that_fills_the_limit_exactly_stays_in_the_file()
    {
        using (var output = new RotatingFileOutput(Options(maxBytes: 66), _time))
        {
            output.Write(Line(1));
            output.Write(Line(2));      // 66 bytes: exactly the limit
            output.Write(Line(3));
        }
        Assert.Equal([1, 2], Lines(EventsPath + ".1").Select(N));
        Assert.Equal([3], Lines(EventsPath).Select(N));
    }

    [Fact]
    public void A_line_larger_than_the_limit_gets_a_file_of_its_own()
    {
        using (var output = new RotatingFileOutput(Options(maxBytes: 50), _time))
        {
            output.Write(Line(1));
            output.Write(Line(2, 80));
            output.Write(Line(3));
        }
        Assert.Equal([1], Lines(EventsPath + ".2").Select(N));
        Assert.Equal([2], Lines(EventsPath + ".1").Select(N));
        Assert.Equal([3], Lines(EventsPath).Select(N));
    }

    [Fact]
    public void Time_rotation_starts_a_new_file_with_the_first_line_after_MaxAge()
    {
        using (var output = new RotatingFileOutput(Options(maxAge: TimeSpan.FromHours(1)), _time))
        {
            output.Write(Line(1));
            _time.Advance(TimeSpan.FromMinutes(59));
            output.Write(Line(2));
            output.Flush();
            Assert.Equal(0, output.Rotations);

            _time.Advance(TimeSpan.FromMinutes(1));
            output.Write(Line(3));
            Assert.Equal(1, output.Rotations);
            _time.Advance(TimeSpan.FromMinutes(30));
            output.Write(Line(4));
            Assert.Equal(1, output.Rotations);
        }
        Assert.Equal([1, 2], Lines(EventsPath + ".1").Select(N));
        Assert.Equal([3, 4], Lines(EventsPath).Select(N));
    }

    [Fact]
    public void An_idle_file_is_not_rotated_into_empty_files()
    {
        using (var output = new RotatingFileOutput(Options(maxAge: TimeSpan.FromHours(1)), _time))
        {
            _time.Advance(TimeSpan.FromHours(5));
            output.Write(Line(1));
            Assert.Equal(0, output.Rotations);
        }
        Assert.False(File.Exists(EventsPath + ".1"));
    }

    [Fact]
    public void A_file_older_than_MaxAge_at_start_is_rotated_before_the_first_line()
    {
        File.WriteAllText(EventsPath, "{\"n\":0}\n");
        _time.Advance(TimeSpan.FromHours(25));     // the file was created (birth time) 25 h before this clock's now

        using (var output = new RotatingFileOutput(Options(maxAge: TimeSpan.FromHours(24)), _time))
        {
            Assert.Equal(1, output.Rotations);
            output.Write(Line(1));
        }
        Assert.Equal([0], Lines(EventsPath + ".1").Select(N));
        Assert.Equal([1], Lines(EventsPath).Select(N));
    }

    [Fact]
    public void A_young_file_at_start_is_appended_to()
    {
        File.WriteAllText(EventsPath, "{\"n\":0}\n");
        _time.Advance(TimeSpan.FromHours(23));

        using (var output = new RotatingFileOutput(Options(maxAge: TimeSpan.FromHours(24)), _time))
        {
            output.Write(Line(1));
            Assert.Equal(0, output.Rotations);
            _time.Advance(TimeSpan.FromHours(1.01));   // 24 h since the file's creation, not since the open
            output.Write(Line(2));
            Assert.Equal(1, output.Rotations);
        }
        Assert.Equal([0, 1], Lines(EventsPath + ".1").Select(N));
    }

    [Fact]
    public void Retention_keeps_only_Keep_rotated_files_newest_first()
    {
        using (var output = new RotatingFileOutput(Options(maxBytes: 40, keep: 2), _time))
        {
            for (int n = 1; n <= 6; n++)
            {
                output.Write(Line(n));  // 33 bytes: one line per file
            }
            Assert.Equal(5, output.Rotations);
        }
        Assert.Equal(["events.jsonl", "events.jsonl.1", "events.jsonl.2"], Directory.GetFiles(_directory).Select(Path.GetFileName).Order());
        Assert.Equal([5], Lines(EventsPath + ".1").Select(N));
        Assert.Equal([4], Lines(EventsPath + ".2").Select(N));
        Assert.Equal([6], Lines(EventsPath).Select(N));
    }

    [Fact]
    public void Keep_zero_deletes_the_rotated_file()
    {
        using (var output = new RotatingFileOutput(Options(maxBytes: 40, keep: 0), _time))
        {
            output.Write(Line(1));
            output.Write(Line(2));
        }
        Assert.Equal(["events.jsonl"], Directory.GetFiles(_directory).Select(Path.GetFileName));
        Assert.Equal([2], Lines(EventsPath).Select(N));
    }

    [Fact]
    public void A_smaller_Keep_after_a_restart_deletes_the_surplus_and_other_files_are_left_alone()
    {
        for (int i = 1; i <= 5; i++)
        {
            File.WriteAllText($"{EventsPath}.{i}", $"{{\"n\":{-i}}}\n");
        }
        File.WriteAllText(EventsPath + ".bak", "not ours");
        File.WriteAllText(EventsPath, "{\"n\":0}\n");

        using (var output = new RotatingFileOutput(Options(maxBytes: 40, keep: 3), _time))
        {
            output.Write(Line(1));
        }
        Assert.Equal(["events.jsonl", "events.jsonl.1", "events.jsonl.2", "events.jsonl.3", "events.jsonl.bak"],
            Directory.GetFiles(_directory).Select(Path.GetFileName).Order());
        Assert.Equal([0], Lines(EventsPath + ".1").Select(N));
        Assert.Equal([-2], Lines(EventsPath + ".3").Select(N));
    }

    [Fact]
    public void Compressed_rotated_files_decompress_to_what_was_written()
    {
        using (var output = new RotatingFileOutput(Options(maxBytes: 100, keep: 2, compress: true), _time))
        {
            for (int n = 1; n <= 10; n++)
            {
                output.Write(Line(n));
            }
        }

        Assert.Equal(["events.jsonl", "events.jsonl.1.gz", "events.jsonl.2.gz"], Directory.GetFiles(_directory).Select(Path.GetFileName).Order());
        Assert.Equal(Expected(7, 9), Gunzip(EventsPath + ".1.gz"));
        Assert.Equal(Expected(4, 6), Gunzip(EventsPath + ".2.gz"));
        Assert.Equal(FileOutputOptions.DefaultMode, File.GetUnixFileMode(EventsPath + ".1.gz"));

        static byte[] Expected(int first, int last) =>
            [.. Enumerable.Range(first, last - first + 1).SelectMany(n => Line(n).Append((byte)'\n'))];

        static byte[] Gunzip(string path)
        {
            using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
            var plain = new MemoryStream();
            gzip.CopyTo(plain);
            return plain.ToArray();
        }
    }

    [Fact]
    public void A_new_file_gets_mode_0640_whatever_the_umask()
    {
        using (var output = new RotatingFileOutput(Options(maxBytes: 40), _time))
        {
            output.Write(Line(1));
            output.Write(Line(2));
        }
        const UnixFileMode Expected = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;
        Assert.Equal(Expected, File.GetUnixFileMode(EventsPath));
        Assert.Equal(Expected, File.GetUnixFileMode(EventsPath + ".1"));
    }

    [Fact]
    public void A_torn_last_line_from_a_crash_stays_alone_on_its_line()
    {
        // What a crash mid-write leaves: whole lines, then a fragment with no newline.
        File.WriteAllText(EventsPath, "{\"n\":1}\n{\"n\":2,\"pa");

        using (var output = new RotatingFileOutput(Options(), _time))
        {
            Assert.Equal(1, output.TornLinesRepaired);
            output.Write(Line(3));
            output.Write(Line(4));
        }

        string[] lines = Lines(EventsPath);
        Assert.Equal(4, lines.Length);
        Assert.Equal("{\"n\":2,\"pa", lines[1]);
        Assert.Equal([1, 3, 4], new[] { lines[0], lines[2], lines[3] }.Select(N));
    }

    [Fact]
    public void A_file_that_ends_with_a_newline_is_not_repaired()
    {
        File.WriteAllText(EventsPath, "{\"n\":1}\n");
        using (var output = new RotatingFileOutput(Options(), _time))
        {
            Assert.Equal(0, output.TornLinesRepaired);
            output.Write(Line(2));
        }
        Assert.Equal([1, 2], Lines(EventsPath).Select(N));
    }

    [Fact]
    public void Writes_after_dispose_throw()
    {
        var output = new RotatingFileOutput(Options(), _time);
        output.Dispose();
        output.Dispose();
        Assert.Throws<ObjectDisposedException>(() => output.Write(Line(1)));
    }
}
