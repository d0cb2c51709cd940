namespace SocketAgent.Model;

/// <summary>Why a connection failed, as the kernel said it (<c>sk_err</c>): an errno name and its text.</summary>
public sealed record SocketFailure(string Code, string Message);
