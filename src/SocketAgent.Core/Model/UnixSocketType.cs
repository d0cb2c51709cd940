namespace SocketAgent.Model;

/// <summary>UNIX socket types (the kernel's SOCK_* values).</summary>
public enum UnixSocketType : byte
{
    Unknown = 0,
    Stream = 1,
    Dgram = 2,
    Raw = 3,
    Rdm = 4,
    SeqPacket = 5,
}
