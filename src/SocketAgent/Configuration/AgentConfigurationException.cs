namespace SocketAgent.Cli.Configuration;

/// <summary>
/// A setting was refused (bad value, unknown key, unreadable file). The message is the one line shown after
/// "socket-agent: ", naming the setting and what it accepts; the process exits with code 2.
/// </summary>
internal sealed class AgentConfigurationException : Exception
{
    public AgentConfigurationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
