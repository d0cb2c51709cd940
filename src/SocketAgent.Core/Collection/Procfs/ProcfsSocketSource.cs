using System.Net.Sockets;
using SocketAgent.Model;

namespace SocketAgent.Collection.Procfs;

/// <summary>
/// The fallback socket source: the <c>/proc/net</c> tables netstat reads. Used with <c>--source procfs</c> and
/// when netlink sock_diag is refused. It has no socket cookies, no tcp_info, no UNIX peers or queues, and
/// listener Send-Q is 0 (see <see cref="ProcNetInetParser"/>).
/// </summary>
/// <remarks>
/// Families are selected by file, as netstat does: an IPv4 client of a dual-stack listener lives in
/// <c>tcp6</c>, so it is read with <see cref="IpFamilySet.IPv6"/> even though its record says IPv4.
/// UNIX sockets are selected by <see cref="TransportSet.Unix"/> alone; IP families do not apply to them.
/// </remarks>
internal sealed class ProcfsSocketSource : ISocketSource
{
    private readonly ProcNetPaths _paths;

    public ProcfsSocketSource() : this(new ProcNetPaths()) { }

    public ProcfsSocketSource(ProcNetPaths paths) => _paths = paths;

    public string Name => "procfs";

    public IReadOnlyList<SocketRecord> Collect(SocketQuery query, CollectionDiagnostics diagnostics)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(diagnostics);

        if (!Directory.Exists(_paths.Directory))
        {
            throw new SocketSourceUnavailableException($"{_paths.Directory} does not exist (is /proc mounted?).");
        }

        var results = new List<SocketRecord>();
        using var reader = new ProcFileReader();
        bool v4 = (query.Families & IpFamilySet.IPv4) != 0;
        bool v6 = (query.Families & IpFamilySet.IPv6) != 0;

        if (query.Wants(Transport.Tcp))
        {
            ReadInet(reader, v4, _paths.Tcp, Transport.Tcp, AddressFamily.InterNetwork, query, results, diagnostics);
            ReadInet(reader, v6, _paths.Tcp6, Transport.Tcp, AddressFamily.InterNetworkV6, query, results, diagnostics);
        }
        if (query.Wants(Transport.Udp))
        {
            ReadInet(reader, v4, _paths.Udp, Transport.Udp, AddressFamily.InterNetwork, query, results, diagnostics);
            ReadInet(reader, v6, _paths.Udp6, Transport.Udp, AddressFamily.InterNetworkV6, query, results, diagnostics);
        }
        if (query.Wants(Transport.Raw))
        {
            ReadInet(reader, v4, _paths.Raw, Transport.Raw, AddressFamily.InterNetwork, query, results, diagnostics);
            ReadInet(reader, v6, _paths.Raw6, Transport.Raw, AddressFamily.InterNetworkV6, query, results, diagnostics);
        }
        if (query.Wants(Transport.Unix) &&
            TryRead(reader, _paths.Unix, diagnostics, out ReadOnlySpan<byte> unixText))
        {
            int malformed = ProcNetUnixParser.Parse(unixText, query.ListeningOnly, results, diagnostics);
            WarnMalformed(_paths.Unix, malformed, diagnostics);
        }

        return results;
    }

    private static void ReadInet(
        ProcFileReader reader,
        bool familyWanted,
        string path,
        Transport transport,
        AddressFamily family,
        SocketQuery query,
        List<SocketRecord> results,
        CollectionDiagnostics diagnostics)
    {
        if (familyWanted && TryRead(reader, path, diagnostics, out ReadOnlySpan<byte> text))
        {
            int malformed = ProcNetInetParser.Parse(text, transport, family, query.ListeningOnly, results, diagnostics);
            WarnMalformed(path, malformed, diagnostics);
        }
    }

    private static bool TryRead(ProcFileReader reader, string path, CollectionDiagnostics diagnostics, out ReadOnlySpan<byte> text)
    {
        try
        {
            text = reader.ReadAll(path);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // No IPv6, or a protocol not built in (raw6): normal on some hosts, so say it once and move on.
            diagnostics.Count(ProcfsCounters.FilesMissing);
            diagnostics.WarnOnce("procfs.missing:" + path, $"procfs: {path} does not exist; skipped.");
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            diagnostics.Count(ProcfsCounters.FilesUnreadable);
            diagnostics.WarnOnce("procfs.unreadable:" + path, $"procfs: cannot read {path}: {e.Message}");
        }
        text = default;
        return false;
    }

    private static void WarnMalformed(string path, int malformed, CollectionDiagnostics diagnostics)
    {
        if (malformed > 0)
        {
            diagnostics.Warn($"procfs: skipped {malformed} malformed line(s) of {path}.");
        }
    }
}
