namespace SocketAgent.Correlation;

/// <summary>An input that cannot be read at all (a missing file, an unreachable Kafka cluster): correlate stops with exit code 1.</summary>
internal sealed class CorrelationInputException : Exception
{
    public CorrelationInputException(string message)
        : base(message)
    {
    }

    public CorrelationInputException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
