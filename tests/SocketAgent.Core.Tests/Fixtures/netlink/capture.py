#!/usr/bin/env python3
"""Captures the sock_diag dumps in this folder (run as root on the reference machine, kernel 6.18).

Opens a known set of sockets, dumps each (family, protocol) table with NETLINK_SOCK_DIAG exactly as
NetlinkSocketSource asks for it, and writes every received datagram back to back into <name>.bin.
manifest.json lists the sockets that were open (inode, cookie, ports) for the parser tests.
Usage: python3 capture.py <output-dir>
"""
import json, os, socket, struct, sys, time

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
SO_COOKIE = 57
manifest = {"kernel": os.uname().release, "sockets": {}}

def note(name, s, **extra):
    st = os.fstat(s.fileno())
    cookie = struct.unpack("<Q", s.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]
    entry = {"inode": st.st_ino, "cookie": cookie}
    def show(a):
        if s.family != socket.AF_UNIX: return list(a[:2])
        return a.decode().replace("\0", "@") if isinstance(a, bytes) else a
    entry["local"] = show(s.getsockname())
    try: entry["remote"] = show(s.getpeername())
    except OSError: entry["remote"] = None
    entry.update(extra)
    manifest["sockets"][name] = entry

keep = []
# --- TCP over IPv4: listener with one pending (unaccepted) connection, and an accepted pair.
l4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM); l4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l4.bind(("127.0.0.1", 47001)); l4.listen(8)
c1 = socket.create_connection(("127.0.0.1", 47001)); a1, _ = l4.accept()
c1.sendall(b"x" * 100)            # a1 never reads: Recv-Q 100
a1.sendall(b"y" * 7); c1.recv(7)  # read by c1: bytes_received 7 (+1 for the SYN)
c2 = socket.create_connection(("127.0.0.1", 47001))  # left in the accept queue: listener Recv-Q 1
keep += [l4, c1, a1, c2]
# --- TCP over IPv6: ::1 listener and pair; a dual-stack listener with an IPv4 client.
l6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); l6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l6.bind(("::1", 47002)); l6.listen(4)
c3 = socket.create_connection(("::1", 47002)); a3, _ = l6.accept()
c3.sendall(b"z" * 50)
ds = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); ds.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ds.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0); ds.bind(("::", 47003)); ds.listen(4)
c4 = socket.create_connection(("127.0.0.1", 47003)); a4, _ = ds.accept()
c4.sendall(b"m" * 9)
keep += [l6, c3, a3, ds, c4, a4]
# --- UDP: bound unconnected receiver with two unread datagrams, a connected sender; an IPv6 bound one.
u1 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u1.bind(("127.0.0.1", 47004))
u2 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u2.bind(("127.0.0.1", 47005)); u2.connect(("127.0.0.1", 47004))
u2.send(b"d" * 10); u2.send(b"e" * 10)
u3 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u3.bind(("::1", 47006))
keep += [u1, u2, u3]
# --- Raw (raw_diag is not built into this kernel: the dump answers NLMSG_DONE with -ENOENT).
r1 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
keep += [r1]
# --- UNIX: path listener with an accepted pair (unread bytes), abstract listener with an embedded NUL.
path = "/tmp/sa-netlink-fixture.sock"
if os.path.exists(path): os.unlink(path)
ul = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); ul.bind(path); ul.listen(5)
uc = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); uc.connect(path); ua, _ = ul.accept()
uc.sendall(b"u" * 30)
ab = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); ab.bind(b"\0sa-netlink-fixture\0x"); ab.listen(3)
keep += [ul, uc, ua, ab]
time.sleep(0.3)

for n, s in [("tcp4_listener", l4), ("tcp4_client", c1), ("tcp4_server", a1), ("tcp4_pending_client", c2),
             ("tcp6_listener", l6), ("tcp6_client", c3), ("tcp6_server", a3),
             ("dual_listener", ds), ("dual_v4_client", c4), ("dual_server", a4),
             ("udp4_bound", u1), ("udp4_connected", u2), ("udp6_bound", u3), ("raw4_icmp", r1),
             ("unix_listener", ul), ("unix_client", uc), ("unix_server", ua), ("unix_abstract", ab)]:
    note(n, s)

def dump(name, body, seq):
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4)
    nl.send(struct.pack("<IHHII", 16 + len(body), 20, 0x301, seq, 0) + body)
    chunks = []
    done = False
    while not done:
        data = nl.recv(65536)
        chunks.append(data)
        off = 0
        while off + 16 <= len(data):
            ln, typ = struct.unpack_from("<IH", data, off)
            if typ in (2, 3): done = True
            off += (ln + 3) & ~3
    nl.close()
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(b"".join(chunks))
    manifest.setdefault("dumps", {})[name] = {"sequence": seq, "datagrams": len(chunks)}

def inet(family, proto, ext, states=0xFFFFFFFF):
    return struct.pack("<BBBBI", family, proto, ext, 0, states) + bytes(48)

dump("tcp4", inet(2, 6, 2), 1)
dump("tcp6", inet(10, 6, 2), 2)
dump("udp4", inet(2, 17, 0), 3)
dump("udp6", inet(10, 17, 0), 4)
dump("raw4", inet(2, 255, 0), 5)
dump("unix", struct.pack("<BBHIIIII", 1, 0, 0, 0xFFFFFFFF, 0, 0x15, 0, 0), 6)

with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
for s in keep: s.close()
os.unlink(path)
