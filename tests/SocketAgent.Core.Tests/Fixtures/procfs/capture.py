#!/usr/bin/env python3
"""Captures /proc/net/{tcp,tcp6,udp,udp6,raw,raw6,unix} and `netstat -tuwxanW` while known sockets are open.

Run as root (raw sockets) from this directory: python3 capture.py > capture.log
The sockets it opens, and their inodes/ports, are printed so tests can assert exact records.
"""
import os, shutil, socket, subprocess, tempfile, time

def ino(s):
    return os.fstat(s.fileno()).st_ino

opened = []
def note(label, s):
    opened.append(s)
    try:
        name = s.getsockname()
    except OSError:
        name = None
    print(f"{label}: inode={ino(s)} name={name!r}")

# TCP v4: listener, accepted pair (client sends 5 bytes the server does not read), one connection left
# in the accept queue (listener rx_queue = 1), and one closed by the client first (TIME_WAIT, inode 0).
l4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM); l4.bind(("127.0.0.1", 0)); l4.listen(8); note("tcp4-listen", l4)
c4 = socket.create_connection(l4.getsockname()); note("tcp4-client", c4)
a4, _ = l4.accept(); note("tcp4-accepted", a4)
c4.sendall(b"hello")
tw = socket.create_connection(l4.getsockname()); twa, _ = l4.accept()
print(f"tcp4-timewait-client-port={tw.getsockname()[1]}")
tw.close(); time.sleep(0.05); twa.close()
pending = socket.create_connection(l4.getsockname()); note("tcp4-pending-client", pending)

# TCP v6 on ::1
l6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); l6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
l6.bind(("::1", 0)); l6.listen(8); note("tcp6-listen", l6)
c6 = socket.create_connection(l6.getsockname()[:2]); note("tcp6-client", c6)
a6, _ = l6.accept(); note("tcp6-accepted", a6)
a6.sendall(b"0123456789")

# Dual-stack v6 listener on :: with a v4 client (appears in tcp6 as ::ffff:127.0.0.1)
ld = socket.socket(socket.AF_INET6, socket.SOCK_STREAM); ld.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
ld.bind(("::", 0)); ld.listen(8); note("tcp6-dual-listen", ld)
cd = socket.create_connection(("127.0.0.1", ld.getsockname()[1])); note("tcp4-client-of-dual", cd)
ad, _ = ld.accept(); note("tcp6-dual-accepted", ad)

# UDP v4: bound unconnected server with one unread datagram, connected client
u4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u4.bind(("127.0.0.1", 0)); note("udp4-bound", u4)
uc4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); uc4.connect(u4.getsockname()); note("udp4-connected", uc4)
uc4.send(b"datagram")
# UDP v6 bound on ::1
u6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); u6.bind(("::1", 0)); note("udp6-bound", u6)

# raw ICMP v4 and ICMPv6
r4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); note("raw4-icmp", r4)
r6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6); note("raw6-icmp6", r6)

# UNIX: stream listener on a path with a space, connected + accepted; abstract stream listener; bound dgram; socketpair
d = tempfile.mkdtemp(prefix="sa procfs ")
p = os.path.join(d, "listen sock")
ul = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); ul.bind(p); ul.listen(4); note("unix-stream-listen", ul)
uc = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); uc.connect(p); note("unix-stream-client", uc)
ua, _ = ul.accept(); note("unix-stream-accepted", ua)
uab = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); uab.bind("\0socket-agent-procfs-abstract"); uab.listen(4); note("unix-abstract-listen", uab)
ud = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); ud.bind(os.path.join(d, "dgram")); note("unix-dgram-bound", ud)
udc = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); udc.connect(os.path.join(d, "dgram")); note("unix-dgram-connected", udc)
sp1, sp2 = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET); note("unix-seqpacket-pair-1", sp1); note("unix-seqpacket-pair-2", sp2)

time.sleep(0.1)
for f in ["tcp", "tcp6", "udp", "udp6", "raw", "raw6", "unix"]:
    shutil.copyfile(f"/proc/net/{f}", f)
with open("netstat-tuwxanW.txt", "w") as out:
    subprocess.run(["netstat", "-tuwxanW"], stdout=out, check=True)
with open("ss-tuwxan.txt", "w") as out:
    subprocess.run(["ss", "-tuwxan"], stdout=out, check=True)

for s in opened:
    s.close()
shutil.rmtree(d)
