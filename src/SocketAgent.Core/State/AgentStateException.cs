namespace SocketAgent.State;

/// <summary>
/// The state directory or one of its files cannot be used (read-only file system, permissions, a corrupt
/// <c>agent-id</c>). The message names the path and says what to do; the agent refuses to start.
/// </summary>
public sealed class AgentStateException : Exception
{
    public AgentStateException(string path, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
    }

    /// <summary>The directory or file at fault.</summary>
    public string Path { get; }
}
