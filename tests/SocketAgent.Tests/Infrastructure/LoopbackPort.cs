using System.Net;
using System.Net.Sockets;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>Loopback TCP ports for tests that need one nobody listens on.</summary>
internal static class LoopbackPort
{
    /// <summary>A port nobody listens on right now: the kernel's pick for 127.0.0.1, released at once.</summary>
    public static int Free()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
