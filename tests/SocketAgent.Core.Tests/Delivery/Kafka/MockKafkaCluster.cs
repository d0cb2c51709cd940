using System.Diagnostics;
using System.Globalization;
using System.Text;
using Confluent.Kafka;

namespace SocketAgent.Tests.Delivery.Kafka;

/// <summary>
/// librdkafka's mock cluster (3 brokers by default, ids 1..n, on 127.0.0.1 ephemeral ports), run in a child process
/// (SocketAgent.MockKafkaHost, which drives <see cref="InProcessMockKafkaCluster"/>) and commanded over its stdin.
/// Dispose closes its stdin, which ends it.
/// </summary>
/// <remarks>
/// Why a child process: a broker taken down and up can lose its port, and librdkafka then aborts the process it runs
/// in. rd_kafka_mock_broker_set_down (rdkafka_mock.c, RD_KAFKA_MOCK_CMD_BROKER_SET_UPDOWN) closes the listening
/// socket and binds a new one to the same port without listening (so connections are refused); set_up then calls
/// listen() and rd_assert()s that it worked. While the broker is down its port is held only by a bound, non-listening
/// SO_REUSEADDR socket, and Linux lets any other SO_REUSEADDR socket bind that port explicitly — every TCP bind from
/// .NET on Linux sets SO_REUSEADDR, as do python's servers, and a test anywhere on this machine that probes a free port
/// and binds it later can land on it (there is also the instant between close and re-bind). If that socket is
/// listening when the broker comes up, listen() fails with EADDRINUSE ("Failed to listen on mock broker socket:
/// Address already in use") and the assert aborts (exit 134). Keeping the listener is not possible through the mock
/// API, and reserving ports cannot stop other processes (net.ipv4.ip_local_reserved_ports only steers automatic
/// port choice, not explicit binds). So the abort cannot be ruled out; what we can rule out is that it kills the
/// test run: it kills this child, and the next command (or Dispose) throws with the child's stderr, failing the one
/// test that owns the cluster.
/// </remarks>
internal sealed class MockKafkaCluster : IDisposable
{
    /// <summary>Kafka's ApiKey of Produce requests.</summary>
    public const short ProduceApiKey = InProcessMockKafkaCluster.ProduceApiKey;

    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Lock _lock = new();

    public MockKafkaCluster(int brokers = 3)
    {
        string host = Path.Combine(AppContext.BaseDirectory, "SocketAgent.MockKafkaHost.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(host);
        info.ArgumentList.Add(brokers.ToString(CultureInfo.InvariantCulture));
        _process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {host}");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_stderr)
                {
                    _stderr.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
        try
        {
            BootstrapServers = ReadReply("bootstrap");
        }
        catch
        {
            Dispose();
            throw;
        }
        BrokerIds = Enumerable.Range(1, brokers).ToArray();
    }

    public string BootstrapServers { get; }

    public IReadOnlyList<int> BrokerIds { get; }

    /// <summary>The id of the child process that runs the cluster.</summary>
    public int ProcessId => _process.Id;

    public void CreateTopic(string topic, int partitions, int replicationFactor = 3) =>
        Command(FormattableString.Invariant($"topic {topic} {partitions} {replicationFactor}"));

    public void SetAllBrokersDown() => Command("down");

    public void SetAllBrokersUp() => Command("up");

    public void SetRtt(int brokerId, int milliseconds) => Command(FormattableString.Invariant($"rtt {brokerId} {milliseconds}"));

    /// <summary>The next requests of <paramref name="apiKey"/> (cluster-wide) fail with these error codes, one each, in order.</summary>
    public void PushRequestErrors(short apiKey, params int[] errors) =>
        Command(FormattableString.Invariant($"errors {apiKey} {string.Join(' ', errors)}"));

    /// <summary>
    /// Makes the cluster's share groups read as a read_committed consumer does (up to the last stable offset, without
    /// aborted data, from the earliest offset): what <see cref="ReadCommittedShareConsumer"/> reads through. The
    /// mock's classic Fetch cannot filter; see <see cref="InProcessMockKafkaCluster.EnableReadCommittedShareGroups"/>.
    /// </summary>
    public void EnableReadCommittedShareGroups() => Command("share-groups read_committed");

    /// <summary>
    /// Makes librdkafka raise a fatal error on the client behind <paramref name="handle"/> (a client of this process,
    /// not of the cluster's).
    /// </summary>
    public static void TriggerFatalError(Handle handle, int error, string reason) =>
        InProcessMockKafkaCluster.TriggerFatalError(handle, error, reason);

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close(); // the host destroys the cluster and exits at end of input
        }
        catch (IOException)
        {
            // It has already exited.
        }
        if (!_process.WaitForExit(TimeSpan.FromSeconds(15)))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    /// <summary>Sends one command and waits for "ok"; throws with the child's stderr if it failed or died.</summary>
    private void Command(string command)
    {
        lock (_lock)
        {
            try
            {
                _process.StandardInput.WriteLine(command);
                _process.StandardInput.Flush();
            }
            catch (IOException)
            {
                throw Died(command);
            }
            _ = ReadReply("ok");
        }
    }

    /// <summary>Reads the child's next line, which must start with <paramref name="expected"/>; returns the rest.</summary>
    private string ReadReply(string expected)
    {
        Task<string?> read = _process.StandardOutput.ReadLineAsync();
        if (!read.Wait(s_commandTimeout))
        {
            throw new TimeoutException($"the mock cluster process did not answer within {s_commandTimeout.TotalSeconds} s. stderr:\n{Stderr()}");
        }
        string? line = read.Result;
        if (line is null)
        {
            throw Died(expected);
        }
        if (line == expected || line.StartsWith(expected + " ", StringComparison.Ordinal))
        {
            return line.Length > expected.Length ? line[(expected.Length + 1)..] : "";
        }
        throw new InvalidOperationException($"mock cluster: {line}");
    }

    private InvalidOperationException Died(string command)
    {
        if (_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            // The timed wait returns at exit, before the stderr handler saw the end of the stream; this one waits for it,
            // so the message carries what the process said as it died.
            _process.WaitForExit();
        }
        string code = _process.HasExited ? _process.ExitCode.ToString(CultureInfo.InvariantCulture) : "none yet";
        return new InvalidOperationException($"the mock cluster process died during '{command}' (exit {code}). stderr:\n{Stderr()}");
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.ToString();
        }
    }
}
