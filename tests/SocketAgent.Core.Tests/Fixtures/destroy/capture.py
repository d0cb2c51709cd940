#!/usr/bin/env python3
"""Captures real sock_diag destroy and rtnetlink change notifications (run as root on the reference machine).

(There is no dummy driver on the reference kernel: a veth pair stands in for it.)
Writes tcp4.bin, tcp6.bin, udp4.bin, udp6.bin (one destroy datagram each: the client socket's), rtnl.bin (the
notification datagrams of a dummy link set up in a throwaway namespace, each prefixed with its u32 length) and
manifest.json (what was sent, cookies, ports).
"""
import ctypes, json, os, socket, struct, subprocess, time

HERE = os.path.dirname(os.path.abspath(__file__))
SO_COOKIE = 57

def cookie(s):
    return struct.unpack("<Q", s.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]

def listen_destroys():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 4)
    s.bind((0, 0xF))
    s.settimeout(2)
    return s

def wait_for(nl, wanted):
    while True:
        data = nl.recv(65536)
        if struct.unpack_from("<Q", data, 16 + 44)[0] == wanted:
            return data

manifest = {}
nl = listen_destroys()
for name, family, host in (("tcp4", socket.AF_INET, "127.0.0.1"), ("tcp6", socket.AF_INET6, "::1")):
    server = socket.socket(family, socket.SOCK_STREAM); server.bind((host, 0)); server.listen()
    client = socket.socket(family, socket.SOCK_STREAM); client.connect(server.getsockname()[:2])
    peer, _ = server.accept()
    client.sendall(b"x" * 1000); got = 0
    while got < 1000: got += len(peer.recv(4096))
    peer.sendall(b"y" * 300); got = 0
    while got < 300: got += len(client.recv(4096))
    c = cookie(client); lport = client.getsockname()[1]; rport = server.getsockname()[1]
    client.close(); peer.close(); server.close()
    open(os.path.join(HERE, name + ".bin"), "wb").write(wait_for(nl, c))
    manifest[name] = {"cookie": c, "local_port": lport, "remote_port": rport, "address": host, "sent": 1000, "received": 300}
for name, family, host in (("udp4", socket.AF_INET, "127.0.0.1"), ("udp6", socket.AF_INET6, "::1")):
    server = socket.socket(family, socket.SOCK_DGRAM); server.bind((host, 0))
    client = socket.socket(family, socket.SOCK_DGRAM); client.connect(server.getsockname()[:2])
    client.send(b"z" * 10)
    c = cookie(client); lport = client.getsockname()[1]; rport = server.getsockname()[1]
    client.close(); server.close()
    open(os.path.join(HERE, name + ".bin"), "wb").write(wait_for(nl, c))
    manifest[name] = {"cookie": c, "local_port": lport, "remote_port": rport, "address": host}

# rtnetlink: RTNLGRP_LINK=1, IPV4_IFADDR=5, IPV4_ROUTE=7, IPV6_IFADDR=9, IPV6_ROUTE=11.
ns = "sa-cap-%d" % os.getpid()
subprocess.run(["ip", "netns", "add", ns], check=True)
try:
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    # Python's socket is created in the calling thread's namespace: create it inside with a forked child.
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        if ctypes.CDLL(None, use_errno=True).setns(fd, 0x40000000) != 0:
            os._exit(1)
        groups = sum(1 << (g - 1) for g in (1, 5, 7, 9, 11))
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); s.bind((0, groups)); s.settimeout(1)
        os.write(w, b"1")
        out = b""
        try:
            while True:
                d = s.recv(65536); out += struct.pack("<I", len(d)) + d
        except socket.timeout:
            pass
        open(os.path.join(HERE, "rtnl.bin"), "wb").write(out)
        os._exit(0)
    os.read(r, 1)
    for args in (["link", "add", "dummy0", "type", "veth", "peer", "name", "dummy1"], ["addr", "add", "10.9.9.9/24", "dev", "dummy0"],
                 ["link", "set", "dummy0", "up"], ["route", "add", "10.8.0.0/16", "dev", "dummy0"],
                 ["route", "del", "10.8.0.0/16", "dev", "dummy0"], ["addr", "del", "10.9.9.9/24", "dev", "dummy0"],
                 ["link", "del", "dummy0"]):
        subprocess.run(["ip", "-n", ns] + args, check=True)
    os.waitpid(pid, 0)
finally:
    subprocess.run(["ip", "netns", "del", ns])
manifest["rtnl"] = {"commands": "link add dummy0 type veth peer name dummy1; addr add 10.9.9.9/24; link set up; route add 10.8.0.0/16; route del; addr del; link del"}
json.dump(manifest, open(os.path.join(HERE, "manifest.json"), "w"), indent=2)
