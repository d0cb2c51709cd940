namespace SocketAgent.Interop;

/// <summary>Native library names used by the P/Invoke declarations in this folder.</summary>
internal static partial class Libraries
{
    /// <summary>glibc (or musl): the only native library the agent needs.</summary>
    internal const string Libc = "libc";
}
