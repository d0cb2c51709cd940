using System.Buffers.Text;
using System.Text.Json;

namespace SocketAgent.Correlation;

/// <summary>
/// Pulls the join's fields out of one event line with a <see cref="JsonLineScanner"/> over the UTF-8 bytes: no DOM, no
/// string for a member not kept, and every value the join does not need (tcp_info's other counters, event.category,
/// host.boot, user…) is jumped over by its structure rather than read token by token.
/// </summary>
internal static class SocketEventReader
{
    /// <param name="recentIds">When given, the set the event's id will be looked up in is prefetched as soon as the id is read.</param>
    public static SocketEventParseResult Read(ReadOnlySpan<byte> line, Utf8Interner interner, ref ObservedSocketEvent e, RecentIdSet? recentIds = null)
    {
        e.Reset();
        line = line.TrimEnd("\r\n "u8);
        if (line.IsEmpty)
        {
            return SocketEventParseResult.Ignored;
        }

        try
        {
            var scanner = new JsonLineScanner(line, stackalloc byte[JsonLineScanner.ScratchLength]);
            EndpointAddress source = default, destination = default;
            long sourceBytes = -1, destinationBytes = -1;
            scoped ReadOnlySpan<byte> container = default, orchestrator = default, kubernetes = default, systemd = default;
            bool localIsDestination = false;
            if (scanner.PeekValue() != (byte)'{')
            {
                return SocketEventParseResult.Invalid;
            }
            scanner.TryEnterObject();
            while (scanner.TryReadMemberName(out ReadOnlySpan<byte> name))
            {
                if (name.SequenceEqual("@timestamp"u8))
                {
                    e.Timestamp = Time(ref scanner);
                }
                else if (name.SequenceEqual("event"u8))
                {
                    ReadEvent(ref scanner, ref e);
                    if (recentIds is not null && e.EventId != Guid.Empty)
                    {
                        recentIds.Prefetch(e.EventId);
                    }
                }
                else if (name.SequenceEqual("host"u8))
                {
                    ReadNamedObject(ref scanner, "name"u8, interner, out e.HostName);
                }
                else if (name.SequenceEqual("agent"u8))
                {
                    ReadNamedObject(ref scanner, "id"u8, interner, out e.AgentId);
                }
                else if (name.SequenceEqual("network"u8))
                {
                    ReadNetwork(ref scanner, ref e);
                }
                else if (name.SequenceEqual("socket"u8))
                {
                    ReadSocket(ref scanner, interner, ref e, ref localIsDestination);
                }
                else if (name.SequenceEqual("netns"u8))
                {
                    ReadNetns(ref scanner, ref e);
                }
                else if (name.SequenceEqual("process"u8))
                {
                    ReadProcess(ref scanner, interner, ref e);
                }
                else if (name.SequenceEqual("source"u8))
                {
                    source = Endpoint(ref scanner, out sourceBytes);
                }
                else if (name.SequenceEqual("destination"u8))
                {
                    destination = Endpoint(ref scanner, out destinationBytes);
                }
                else if (name.SequenceEqual("container"u8))
                {
                    container = ObjectText(ref scanner);
                }
                else if (name.SequenceEqual("orchestrator"u8))
                {
                    orchestrator = ObjectText(ref scanner);
                }
                else if (name.SequenceEqual("kubernetes"u8))
                {
                    kubernetes = ObjectText(ref scanner);
                }
                else if (name.SequenceEqual("systemd"u8))
                {
                    systemd = ObjectText(ref scanner);
                }
                else
                {
                    scanner.SkipValue();
                }
            }
            if (!scanner.AtEnd())
            {
                return SocketEventParseResult.Invalid; // a second value, or trailing garbage, on the line
            }
            if (e.Local.IsEmpty && e.Remote.IsEmpty)
            {
                // socket.local_end says which ECS end this socket is (lines before it had socket.local/remote).
                (e.Local, e.Remote) = localIsDestination ? (destination, source) : (source, destination);
            }
            AssignPayload(ref e, source, sourceBytes, destination, destinationBytes);
            e.Workload = Workload(interner, container, orchestrator, kubernetes, systemd);
        }
        catch (JsonException)
        {
            return SocketEventParseResult.Invalid;
        }

        if (!e.IsSocketDataset || e.Action == ObservedAction.None || e.Transport == ConnectionTransport.None
            || e.Direction is ObservedDirection.Listening or ObservedDirection.Internal || !e.HasCommunityKey)
        {
            return SocketEventParseResult.Ignored;
        }
        return e.AgentId is null || e.Timestamp == EventTimestamp.Unknown || e.Local.IsEmpty || e.Remote.IsEmpty
            ? SocketEventParseResult.Invalid
            : SocketEventParseResult.Connection;
    }

    private static void ReadEvent(ref JsonLineScanner scanner, ref ObservedSocketEvent e)
    {
        if (!scanner.TryEnterObject())
        {
            return;
        }
        while (scanner.TryReadMemberName(out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("action"u8))
            {
                e.Action = scanner.ReadShortString() switch
                {
                    var v when v.SequenceEqual("opened"u8) => ObservedAction.Opened,
                    var v when v.SequenceEqual("closed"u8) => ObservedAction.Closed,
                    var v when v.SequenceEqual("state_changed"u8) => ObservedAction.StateChanged,
                    var v when v.SequenceEqual("snapshot"u8) => ObservedAction.Snapshot,
                    _ => ObservedAction.None,
                };
            }
            else if (name.SequenceEqual("dataset"u8))
            {
                e.IsSocketDataset = scanner.ReadStringEquals("socket"u8);
            }
            else if (name.SequenceEqual("id"u8))
            {
                ReadOnlySpan<byte> id = scanner.ReadShortString();
                if (!id.IsEmpty && Utf8Parser.TryParse(id, out Guid value, out int consumed, 'D') && consumed == id.Length)
                {
                    e.EventId = value;
                }
            }
            else if (name.SequenceEqual("start"u8))
            {
                e.Start = Time(ref scanner);
            }
            else if (name.SequenceEqual("end"u8))
            {
                e.End = Time(ref scanner);
            }
            else
            {
                scanner.SkipValue();
            }
        }
    }

    private static void ReadNetwork(ref JsonLineScanner scanner, ref ObservedSocketEvent e)
    {
        if (!scanner.TryEnterObject())
        {
            return;
        }
        Span<byte> communityId = stackalloc byte[JsonLineScanner.ScratchLength];
        int communityIdLength = 0;
        while (scanner.TryReadMemberName(out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("transport"u8))
            {
                e.Transport = scanner.ReadShortString() switch
                {
                    var v when v.SequenceEqual("tcp"u8) => ConnectionTransport.Tcp,
                    var v when v.SequenceEqual("udp"u8) => ConnectionTransport.Udp,
                    _ => ConnectionTransport.None,
                };
            }
            else if (name.SequenceEqual("direction"u8))
            {
                e.Direction = scanner.ReadShortString() switch
                {
                    var v when v.SequenceEqual("ingress"u8) => ObservedDirection.Ingress,
                    var v when v.SequenceEqual("egress"u8) => ObservedDirection.Egress,
                    var v when v.SequenceEqual("internal"u8) => ObservedDirection.Internal,
                    var v when v.SequenceEqual("listening"u8) => ObservedDirection.Listening,
                    _ => ObservedDirection.Unknown,
                };
            }
            else if (name.SequenceEqual("community_id"u8))
            {
                ReadOnlySpan<byte> id = scanner.ReadShortString();
                communityIdLength = id.Length;
                id.CopyTo(communityId); // the scanner's scratch is reused by the next escaped name
            }
            else if (name.SequenceEqual("netns"u8))
            {
                ReadNetns(ref scanner, ref e);
            }
            else
            {
                scanner.SkipValue();
            }
        }
        // The transport may follow the id in a hand-written line: parse once both are known.
        e.HasCommunityKey = communityIdLength > 0 && CommunityKey.TryParse(communityId[..communityIdLength], e.Transport, out e.Key);
    }

    /// <summary><c>netns.inode</c> (top level; <c>network.netns</c> in lines written before it moved there).</summary>
    private static void ReadNetns(ref JsonLineScanner scanner, ref ObservedSocketEvent e)
    {
        if (!scanner.TryEnterObject())
        {
            return;
        }
        while (scanner.TryReadMemberName(out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("inode"u8))
            {
                if (scanner.TryReadUInt64(out ulong value))
                {
                    e.NetnsInode = value;
                }
            }
            else
            {
                scanner.SkipValue();
            }
        }
    }

    private static void ReadSocket(ref JsonLineScanner scanner, Utf8Interner interner, ref ObservedSocketEvent e, ref bool localIsDestination)
    {
        if (!scanner.TryEnterObject())
        {
            return;
        }
        while (scanner.TryReadMemberName(out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("state"u8))
            {
                e.State = scanner.TryReadString(out ReadOnlySpan<byte> raw, out _) ? interner.Intern(raw) : null;
            }
            else if (name.SequenceEqual("local_end"u8))
            {
                localIsDestination = scanner.ReadStringEquals("destination"u8);
            }
            else if (name.SequenceEqual("local"u8))
            {
                e.Local = Endpoint(ref scanner, out _);
            }
            else if (name.SequenceEqual("remote"u8))
            {
                e.Remote = Endpoint(ref scanner, out _);
            }
            else if (name.SequenceEqual("tcp_info"u8))
            {
                ReadTcpInfo(ref scanner, ref e);
            }
            else
            {
                scanner.SkipValue();
            }
        }
    }

    private static void ReadTcpInfo(ref JsonLineScanner scanner, ref ObservedSocketEvent e)
    {
        if (!scanner.TryEnterObject())
        {
            return;
        }
        // The default profile leaves a zero counter out, as ss -i does: within tcp_info, absent means 0.
        e.BytesAcked = 0;
        e.BytesReceived = 0;
        while (scanner.TryReadMemberName(out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("bytes_acked"u8))
            {
                if (scanner.TryReadInt64(out long value))
                {
                    e.BytesAcked = value;
                }
            }
            else if (name.SequenceEqual("bytes_received"u8))
            {
                if (scanner.TryReadInt64(out long value))
                {
                    e.BytesReceived = value;
                }
            }
            else
            {
                scanner.SkipValue();
            }
        }
    }

    /// <summary>An object member's text as it is on the line (checked for structure by the skip); empty when not an object.</summary>
    private static ReadOnlySpan<byte> ObjectText(ref JsonLineScanner scanner)
    {
        bool isObject = scanner.PeekValue() == (byte)'{';
        ReadOnlySpan<byte> text = scanner.SkipValue();
        return isObject ? text : default;
    }

    /// <summary>
    /// The workload members joined as the connection line writes them (<c>"container":{…},"systemd":{…}</c>), interned:
    /// every end of one container shares one array. Null when the line names none.
    /// </summary>
    private static byte[]? Workload(Utf8Interner interner, ReadOnlySpan<byte> container, ReadOnlySpan<byte> orchestrator,
        ReadOnlySpan<byte> kubernetes, ReadOnlySpan<byte> systemd)
    {
        int length = Member("container"u8, container) + Member("orchestrator"u8, orchestrator)
            + Member("kubernetes"u8, kubernetes) + Member("systemd"u8, systemd);
        if (length == 0)
        {
            return null;
        }
        byte[]? rented = length > 1024 ? System.Buffers.ArrayPool<byte>.Shared.Rent(length) : null;
        Span<byte> text = rented ?? stackalloc byte[1024];
        int written = 0;
        Append(text, ref written, "container"u8, container);
        Append(text, ref written, "orchestrator"u8, orchestrator);
        Append(text, ref written, "kubernetes"u8, kubernetes);
        Append(text, ref written, "systemd"u8, systemd);
        byte[] interned = interner.Intern(text[..written]);
        if (rented is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
        return interned;

        // "name":value, with a comma before all but the first.
        static int Member(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => value.IsEmpty ? 0 : name.Length + value.Length + 4;

        static void Append(Span<byte> text, ref int written, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
        {
            if (value.IsEmpty)
            {
                return;
            }
            if (written > 0)
            {
                text[written++] = (byte)',';
            }
            text[written++] = (byte)'"';
            name.CopyTo(text[written..]);
            written += name.Length;
            text[written++] = (byte)'"';
            text[written++] = (byte)':';
            value.CopyTo(text[written..]);
            written += value.Length;
        }
    }

    private static void ReadProcess(ref JsonLineScanner scanner, Utf8Interner interner, ref ObservedSocketEvent e)
    {
        if (!scanner.TryEnterObject())
        {
            return;
        }
        while (scanner.TryReadMemberName(out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("pid"u8))
            {
                if (scanner.TryReadInt32(out int pid))
                {
                    e.Pid = pid;
                }
            }
            else if (name.SequenceEqual("name"u8))
            {
                e.ProcessName = scanner.TryReadString(out ReadOnlySpan<byte> raw, out _) ? interner.Intern(raw) : null;
            }
            else if (name.SequenceEqual("command_line"u8))
            {
                e.CommandLine = scanner.TryReadString(out ReadOnlySpan<byte> raw, out _) ? interner.Intern(raw) : null;
            }
            else if (name.SequenceEqual("args"u8))
            {
                bool array = scanner.PeekValue() == (byte)'[';
                ReadOnlySpan<byte> raw = scanner.SkipValue();
                e.Args = array ? interner.Intern(raw) : null;
            }
            else
            {
                scanner.SkipValue();
            }
        }
    }

    private static void ReadNamedObject(ref JsonLineScanner scanner, ReadOnlySpan<byte> property, Utf8Interner interner, out byte[]? value)
    {
        value = null;
        if (!scanner.TryEnterObject())
        {
            return;
        }
        while (scanner.TryReadMemberName(out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual(property) && scanner.PeekValue() == (byte)'"')
            {
                scanner.TryReadString(out ReadOnlySpan<byte> raw, out _);
                value = interner.Intern(raw);
            }
            else
            {
                scanner.SkipValue();
            }
        }
    }

    /// <summary>
    /// ECS <c>source.bytes</c>/<c>destination.bytes</c>, which the kernel tracer writes on a closed connection: the payload
    /// each end sent, exact (SYN and FIN excluded). Which of them this end sent follows from which endpoint is local.
    /// </summary>
    private static void AssignPayload(ref ObservedSocketEvent e, EndpointAddress source, long sourceBytes, EndpointAddress destination, long destinationBytes)
    {
        if (source.IsEmpty || destination.IsEmpty)
        {
            return;
        }
        if (source == e.Local && destination == e.Remote)
        {
            e.PayloadSent = sourceBytes;
            e.PayloadReceived = destinationBytes;
        }
        else if (source == e.Remote && destination == e.Local)
        {
            e.PayloadSent = destinationBytes;
            e.PayloadReceived = sourceBytes;
        }
    }

    private static EndpointAddress Endpoint(ref JsonLineScanner scanner, out long bytes)
    {
        bytes = -1;
        if (!scanner.TryEnterObject())
        {
            return default;
        }
        ulong high = 0, low = 0;
        bool isV6 = false, hasIp = false;
        ushort port = 0;
        while (scanner.TryReadMemberName(out ReadOnlySpan<byte> name))
        {
            if (name.SequenceEqual("ip"u8))
            {
                hasIp = scanner.TryReadString(out ReadOnlySpan<byte> raw, out bool escaped) && !escaped
                    && EndpointAddress.TryParseIp(raw[1..^1], out high, out low, out isV6);
            }
            else if (name.SequenceEqual("port"u8))
            {
                scanner.TryReadUInt16(out port);
            }
            else if (name.SequenceEqual("bytes"u8))
            {
                if (scanner.TryReadInt64(out long value) && value >= 0)
                {
                    bytes = value;
                }
            }
            else
            {
                scanner.SkipValue();
            }
        }
        return hasIp && port != 0 ? new EndpointAddress(high, low, port, isV6) : default;
    }

    private static long Time(ref JsonLineScanner scanner) =>
        scanner.TryReadString(out ReadOnlySpan<byte> raw, out bool escaped) && !escaped && EventTimestamp.TryParse(raw[1..^1], out long value)
            ? value
            : EventTimestamp.Unknown;
}
