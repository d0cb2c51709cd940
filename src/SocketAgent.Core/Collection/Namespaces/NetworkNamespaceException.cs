namespace SocketAgent.Collection.Namespaces;

/// <summary>
/// A network namespace could not be found, opened or entered: a <c>--netns PATH</c> that does not exist or is not
/// a network namespace, a namespace that vanished, or setns refused (EPERM: the agent lacks CAP_SYS_ADMIN).
/// </summary>
public sealed class NetworkNamespaceException : Exception
{
    public NetworkNamespaceException(string message) : base(message) { }

    public NetworkNamespaceException(string message, int errno) : base(message) => Errno = errno;

    public NetworkNamespaceException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The errno behind the failure, or 0.</summary>
    public int Errno { get; }

    /// <summary>True when the kernel refused for lack of privilege (EPERM/EACCES), as opposed to a bad path.</summary>
    public bool IsPermissionDenied => Errno is Interop.Sys.EPERM or Interop.Sys.EACCES;
}
