using System.IO.Pipes;
using System.Text;
using Microsoft.Win32.SafeHandles;
using SocketAgent.Delivery.Outputs;

namespace SocketAgent.Tests.Delivery.Outputs;

public sealed class StdoutOutputTests
{
    [Fact]
    public void Lines_get_a_newline_each_and_reach_the_stream_at_flush()
    {
        var stream = new MemoryStream();
        using var output = new StdoutOutput(stream, leaveOpen: true);

        output.Write("{\"a\":1}"u8);
        output.Write("{\"b\":2}"u8);
        Assert.Equal(0, stream.Length);

        output.Flush();
        Assert.Equal("{\"a\":1}\n{\"b\":2}\n", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void A_full_buffer_is_written_in_order_and_a_longer_line_goes_straight_through()
    {
        var stream = new MemoryStream();
        using var output = new StdoutOutput(stream, bufferSize: 16, leaveOpen: true);
        var expected = new StringBuilder();
        string[] lines = ["{\"x\":1}", "{\"y\":22}", "{\"a line longer than the buffer\":true}", "{}", "{\"z\":333333}"];

        foreach (string line in lines)
        {
            output.Write(Encoding.UTF8.GetBytes(line));
            expected.Append(line).Append('\n');
        }
        output.Flush();

        Assert.Equal(expected.ToString(), Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Dispose_writes_what_is_buffered()
    {
        var stream = new MemoryStream();
        using (var output = new StdoutOutput(stream, leaveOpen: true))
        {
            output.Write("{}"u8);
        }
        Assert.Equal("{}\n", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void A_pipe_whose_reader_closed_ends_in_OutputClosedException()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        server.DisposeLocalCopyOfClientHandle();    // the only reader is gone: like `| head` after head exited

        using var output = new StdoutOutput(server, bufferSize: 64, leaveOpen: true);
        output.Write("{\"first\":1}"u8);

        var ex = Assert.Throws<OutputClosedException>(output.Flush);
        Assert.Equal(32, ex.HResult);
        Assert.True(output.IsClosed);
        Assert.IsAssignableFrom<IOException>(ex.InnerException);
        // Closed for good: later calls fail fast, and dispose does not throw.
        Assert.Throws<OutputClosedException>(() => output.Write("{}"u8));
        Assert.Throws<OutputClosedException>(output.Flush);
        output.Dispose();
    }

    [Fact]
    public void A_FileStream_on_a_pipe_descriptor_reports_the_closed_reader_like_stdout_does()
    {
        // OpenStandardOutput wraps fd 1 in a FileStream; this is the same wrapping around a pipe's write end.
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        server.DisposeLocalCopyOfClientHandle();
        var handle = new SafeFileHandle(server.SafePipeHandle.DangerousGetHandle(), ownsHandle: false);
        using var output = new StdoutOutput(new FileStream(handle, FileAccess.Write, bufferSize: 0));

        output.Write("{\"first\":1}"u8);
        var ex = Assert.Throws<OutputClosedException>(output.Flush);

        Assert.Equal("stdout", ex.OutputName);
        Assert.Equal(32, ex.InnerException!.HResult);
    }

    [Fact]
    public void A_reader_that_leaves_mid_stream_is_seen_at_the_next_write()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        var reader = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        using var output = new StdoutOutput(server, bufferSize: 64, leaveOpen: true);

        output.Write("{\"n\":1}"u8);
        output.Flush();
        var buffer = new byte[8];
        Assert.Equal(8, reader.ReadAtLeast(buffer, 8));
        Assert.Equal("{\"n\":1}\n", Encoding.UTF8.GetString(buffer));

        reader.Dispose();
        server.DisposeLocalCopyOfClientHandle();
        output.Write("{\"n\":2}"u8);
        Assert.Throws<OutputClosedException>(output.Flush);
    }

    [Fact]
    public void Other_IO_errors_are_not_taken_for_a_closed_reader()
    {
        using var output = new StdoutOutput(new FailingStream(new IOException("Input/output error", 5)));
        output.Write("{}"u8);

        var ex = Assert.Throws<IOException>(output.Flush);
        Assert.IsNotType<OutputClosedException>(ex);
        Assert.False(output.IsClosed);
    }

    private sealed class FailingStream(IOException error) : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => throw error;
    }
}
