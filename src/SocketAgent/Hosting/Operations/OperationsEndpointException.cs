namespace SocketAgent.Cli.Hosting.Operations;

/// <summary>The operations endpoint cannot listen where <c>http.listen</c> says (in use, no such address, denied).</summary>
internal sealed class OperationsEndpointException : Exception
{
    public OperationsEndpointException(string message, Exception innerException) : base(message, innerException) { }
}
