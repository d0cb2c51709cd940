namespace SocketAgent.Cli.Hosting;

/// <summary>An output (file, Kafka and its spool) could not be started: a setting or the host is wrong, not collection.</summary>
internal sealed class OutputStartException(string message, Exception inner) : Exception(message, inner);
