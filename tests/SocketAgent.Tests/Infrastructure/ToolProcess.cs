using System.Diagnostics;
using System.Text;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>
/// Runs an external tool (python3, protoc, ...) to completion: the given bytes on its stdin (then EOF), its stdout as
/// bytes and its stderr as text. A run that outlives its timeout, or whose token is cancelled, is killed with its whole
/// process tree and reaped before this returns, so no test leaves a tool behind.
/// </summary>
internal static class ToolProcess
{
    public sealed record Result(string CommandLine, int ExitCode, byte[] StandardOutput, string StandardError)
    {
        public string StandardOutputText => Encoding.UTF8.GetString(StandardOutput);

        /// <summary>The exit code and stderr, for an exception message.</summary>
        public string Describe() => $"{CommandLine} exited {ExitCode}: {StandardError.Trim()}";
    }

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="arguments"/> (each passed as one argv entry).</summary>
    /// <exception cref="TimeoutException">The tool ran longer than <paramref name="timeout"/> (it was killed).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (the tool was killed).</exception>
    public static async Task<Result> RunAsync(string fileName, IEnumerable<string> arguments, ReadOnlyMemory<byte> standardInput,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        string commandLine = string.Join(' ', info.ArgumentList.Prepend(fileName).Select(a => a.Contains(' ') ? $"'{a}'" : a));

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        try
        {
            var stdout = new MemoryStream();
            Task readOut = process.StandardOutput.BaseStream.CopyToAsync(stdout, timeoutSource.Token);
            Task<string> readErr = process.StandardError.ReadToEndAsync(timeoutSource.Token);
            await WriteAndCloseAsync(process.StandardInput.BaseStream, standardInput, timeoutSource.Token);
            await process.WaitForExitAsync(timeoutSource.Token);
            await readOut;
            string stderr = await readErr;
            return new Result(commandLine, process.ExitCode, stdout.ToArray(), stderr);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Kill(process);
            throw new TimeoutException($"{commandLine} did not finish in {timeout} (killed)");
        }
        catch
        {
            Kill(process);
            throw;
        }
    }

    private static async Task WriteAndCloseAsync(Stream stdin, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        try
        {
            await stdin.WriteAsync(bytes, cancellationToken);
            await stdin.FlushAsync(cancellationToken);
        }
        catch (IOException)
        {
            // The tool exited (or closed its stdin) before reading everything: its exit code and stderr say why.
        }
        finally
        {
            try
            {
                stdin.Dispose();
            }
            catch (IOException)
            {
                // Same: a broken pipe on the final flush.
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        process.WaitForExit(); // reap it (and let the stream readers see EOF)
    }
}
