using System.Net;
using System.Net.Sockets;
using SocketAgent.Model;

namespace SocketAgent.Diff;

/// <summary>
/// The identity of a socket read without a cookie (the /proc/net source): its addresses and its inode. Weaker
/// than a cookie: a socket whose inode turns 0 (closed by its process, still finishing in the kernel) cannot be
/// followed, and a new socket given the same inode and addresses within one interval would pass for the old one.
/// </summary>
internal readonly record struct SocketFallbackKey(
    Transport Transport,
    AddressFamily Family,
    IPAddress? LocalAddress,
    int LocalPort,
    IPAddress? RemoteAddress,
    int RemotePort,
    int RawProtocol,
    ulong Inode,
    string? UnixPath)
{
    public static SocketFallbackKey Of(SocketRecord record) => new(
        record.Transport,
        record.TableFamily,
        record.LocalAddress,
        record.LocalPort,
        record.RemoteAddress,
        record.RemotePort,
        record.RawProtocol,
        record.Inode,
        record.UnixPath);
}
