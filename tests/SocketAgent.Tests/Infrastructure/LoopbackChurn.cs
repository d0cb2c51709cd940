using System.Net;
using System.Net.Sockets;

namespace SocketAgent.Tests.Infrastructure;

/// <summary>Short loopback connections in this process: each one is two sockets opened and closed, four events.</summary>
internal sealed class LoopbackChurn : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private bool _disposed;

    public LoopbackChurn()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(512);
    }

    /// <summary>Opens <paramref name="connections"/>, holds them across a daemon cycle, then resets them (no TIME_WAIT).</summary>
    public void Cycle(int connections)
    {
        var sockets = new List<Socket>(connections * 2);
        try
        {
            for (int i = 0; i < connections; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(client);
                client.Connect(_listener.LocalEndPoint!);
                sockets.Add(_listener.Accept());
            }
            Thread.Sleep(300);
        }
        finally
        {
            foreach (Socket socket in sockets)
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Dispose();
            }
        }
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _listener.Dispose();
        }
    }
}
