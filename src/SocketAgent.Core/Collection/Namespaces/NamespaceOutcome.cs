using SocketAgent.Model;

namespace SocketAgent.Collection.Namespaces;

/// <summary>What running a function in one network namespace gave: a value, or the reason it failed.</summary>
internal sealed class NamespaceOutcome<T>
{
    public required NetworkNamespace Namespace { get; init; }

    /// <summary>The function's result; default when <see cref="Error"/> is set.</summary>
    public T? Value { get; init; }

    /// <summary>
    /// Why there is no value: a <see cref="NetworkNamespaceException"/> when the namespace could not be entered
    /// (<see cref="NetworkNamespaceException.IsPermissionDenied"/>: no CAP_SYS_ADMIN) or was gone, otherwise what
    /// the function threw.
    /// </summary>
    public Exception? Error { get; init; }

    public bool Succeeded => Error is null;

    /// <summary>True when the function never ran because the namespace could not be entered.</summary>
    public bool NotEntered { get; init; }
}
