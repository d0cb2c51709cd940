using System.Net;
using System.Net.Sockets;
using CsCheck;
using SocketAgent.Model;

namespace SocketAgent.Tests.Encoders.Json;

/// <summary>Whatever the collectors hand over, the writer emits valid, schema-valid JSON lines and never throws.</summary>
public class SocketJsonFuzzTests
{
    // Any UTF-16 code unit, weighted towards the ones that break naive encoders: controls, quotes, lone surrogates.
    private static readonly Gen<char> s_nastyChar = Gen.OneOf(
        Gen.Char,
        Gen.Char['\0', '\u001f'],
        Gen.Char['\ud800', '\udfff'],
        Gen.OneOf<char>('"', '\\', '/', '\u007f', '\u2028', '\u2029', '\ufeff', '\ufffd', 'é', '+', '<', '&'));

    internal static readonly Gen<string> s_string = s_nastyChar.Array[0, 40].Select(chars => new string(chars));

    internal static readonly Gen<IPAddress> s_address = Gen.OneOf(
        Gen.Byte.Array[4].Select(b => new IPAddress(b)),
        Gen.Byte.Array[16].Select(b => new IPAddress(b)),
        Gen.Byte.Array[16].Select(Gen.UInt[0, 1000], (b, scope) => new IPAddress(b, scope)),
        Gen.OneOf<IPAddress>(IPAddress.Any, IPAddress.IPv6Any, IPAddress.Loopback, IPAddress.IPv6Loopback, IPAddress.Parse("::ffff:10.1.2.3")));

    private static readonly Gen<uint?> s_u32 = Gen.OneOf(Gen.UInt.Select(v => (uint?)v), Gen.Const((uint?)null), Gen.Const((uint?)uint.MaxValue));
    private static readonly Gen<ulong?> s_u64 = Gen.OneOf(Gen.ULong.Select(v => (ulong?)v), Gen.Const((ulong?)null), Gen.Const((ulong?)ulong.MaxValue));

    private static readonly Gen<TcpInfo?> s_tcpInfo = Gen.OneOf(
        Gen.Const((TcpInfo?)null),
        Gen.Select(Gen.Byte, s_u32, s_u32, s_u32, s_u64, s_u64, s_u64, s_u32, (retransmits, rtt, rto, cwnd, bytesSent, pacing, delivery, wnd) => (TcpInfo?)new TcpInfo
        {
            Retransmits = retransmits, RttMicros = rtt, RttVarMicros = rtt, RtoMicros = rto, MinRttMicros = rto, SndCwnd = cwnd,
            BytesSent = bytesSent, BytesAcked = bytesSent, BytesReceived = pacing, PacingRate = pacing, DeliveryRate = delivery,
            BusyTimeMicros = delivery, SndWnd = wnd, RcvWnd = wnd, TotalRto = (ushort?)wnd, TotalRtoTimeMillis = cwnd, DsackDups = rtt,
        }));

    internal static readonly Gen<ProcessInfo> s_process = Gen.Select(
        Gen.Int[0, int.MaxValue], Gen.Int[-5, int.MaxValue], s_string, s_string.Array[0, 6], s_string, Gen.Bool, Gen.UInt, Gen.Bool,
        (pid, ppid, name, args, commandLine, hasExe, uid, hasContainer) => new ProcessInfo
        {
            Pid = pid,
            ParentPid = ppid,
            Name = name,
            Args = args,
            CommandLine = commandLine,
            Executable = hasExe ? commandLine : null,
            Uid = uid,
            UserName = hasExe ? name : null,
            StartTime = hasExe ? DateTimeOffset.UnixEpoch.AddTicks(pid * 10_000L) : null,
            // Every shape the cgroup gives: a pod's container, a plain container, a host unit, nothing.
            Cgroup = hasContainer
                ? new CgroupIdentity
                {
                    ContainerId = name, ContainerRuntime = pid % 3 == 0 ? null : "containerd",
                    PodUid = pid % 2 == 0 ? "pod-" + name : null, QosClass = pid % 4 == 0 ? "burstable" : null,
                }
                : hasExe ? new CgroupIdentity { SystemdUnit = name + ".service", SystemdSlice = pid % 2 == 0 ? "system.slice" : null } : null,
        });

    internal static readonly Gen<SocketRecord> s_record = Gen.Select(
        Gen.Select(Gen.Enum<Transport>(), Gen.Byte[0, 15], s_address, Gen.Int[-1, 70000], s_address, Gen.Int[-1, 70000], (t, s, la, lp, ra, rp) => (t, s, la, lp, ra, rp)),
        Gen.Select(Gen.ULong, Gen.ULong, Gen.UInt, Gen.ULong[0, 50], s_u64, Gen.UInt, Gen.Int[-300, 300], (rq, sq, uid, inode, cookie, ifindex, raw) => (rq, sq, uid, inode, cookie, ifindex, raw)),
        Gen.Select(s_tcpInfo, Gen.Byte[0, 6], Gen.OneOf(s_string, Gen.Const((string?)null)!), Gen.ULong, (tcp, utype, path, peer) => (tcp, utype, path, peer)),
        (a, b, c) => new SocketRecord
        {
            Transport = a.t,
            Family = a.t == Transport.Unix ? AddressFamily.Unix : a.la.AddressFamily,
            State = (KernelSocketState)a.s,
            LocalAddress = a.la,
            LocalPort = a.lp,
            RemoteAddress = a.ra,
            RemotePort = a.rp,
            RecvQueue = b.rq,
            SendQueue = b.sq,
            Uid = b.uid,
            Inode = b.inode,
            Cookie = b.cookie,
            InterfaceIndex = b.ifindex,
            RawProtocol = b.raw,
            TcpInfo = c.tcp,
            UnixType = (UnixSocketType)c.utype,
            UnixPath = c.path,
            UnixPeerInode = c.peer,
        });

    private static readonly Gen<SocketSnapshot> s_snapshot = Gen.Select(
        s_record.Array[1, 6], s_process.Array[0, 4], s_string, Gen.Long[0, DateTimeOffset.MaxValue.UtcTicks],
        (records, processes, hostName, ticks) =>
        {
            // Give the low inodes 0..3 holders, so no/one/many-owner cases all occur.
            var byInode = new Dictionary<ulong, ProcessInfo[]>();
            for (int i = 0; i < records.Length; i++)
            {
                byInode[records[i].Inode] = processes[..(int)(records[i].Inode % (ulong)(processes.Length + 1))];
            }
            return new SocketSnapshot
            {
                Timestamp = new DateTimeOffset(ticks, TimeSpan.Zero),
                Host = new HostIdentity(hostName.Length == 0 ? "h" : hostName, hostName.Length % 2 == 0 ? null : hostName),
                Sockets = records,
                Owners = new SocketOwners(byInode, processes.Length, 0),
                Source = "netlink",
            };
        });

    [Fact]
    public void RandomRecords_WriteSchemaValidLines()
    {
        s_snapshot.Sample(snapshot =>
        {
            string[] lines = JsonLines.Write(snapshot);
            Assert.Equal(snapshot.Sockets.Count, lines.Length);
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void CommunityId_RandomInputs_NullOrWellFormed()
    {
        Gen.Select(Gen.Byte, s_address, Gen.Int, s_address, Gen.Int, Gen.UShort).Sample((protocol, src, sport, dst, dport, seed) =>
        {
            string? id = CommunityId.Compute(protocol, src, sport, dst, dport, seed);
            if (id is not null)
            {
                Assert.Matches("^1:[A-Za-z0-9+/]{27}=$", id);
                Assert.Equal(id, CommunityId.Compute(protocol, dst, dport, src, sport, seed));
            }
        }, iter: 2000);
    }
}
