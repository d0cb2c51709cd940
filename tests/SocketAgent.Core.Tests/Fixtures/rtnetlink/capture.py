#!/usr/bin/env python3
"""Captures the rtnetlink dumps in this folder (run as root on the reference machine, kernel 6.18).

Builds two network namespaces with known links, addresses and routes (rtnl-cap, and rtnl-cap-peer holding
the far ends of its veth pairs), then, inside rtnl-cap, dumps links, addresses and IPv4/IPv6 routes of
every table exactly as RtnetlinkCollector asks for them, writing every received datagram back to back into
<name>.bin. It also saves what `ip -N -d -j` and /proc/net say about the same namespace, for the tests to
compare with. Usage: python3 capture.py [<output-dir>]
"""
import json, os, socket, struct, subprocess, sys

NS, PEER = "rtnl-cap", "rtnl-cap-peer"
here = os.path.abspath(__file__)

def dump(nl, name, typ, body, seq, out, manifest):
    nl.send(struct.pack("<IHHII", 16 + len(body), typ, 0x301, seq, 0) + body)
    chunks, done = [], False
    while not done:
        data = nl.recv(65536)
        chunks.append(data)
        off = 0
        while off + 16 <= len(data):
            ln, t = struct.unpack_from("<IH", data, off)
            if t in (2, 3): done = True
            off += (ln + 3) & ~3
    with open(os.path.join(out, name + ".bin"), "wb") as f:
        f.write(b"".join(chunks))
    manifest["dumps"][name] = {"sequence": seq, "datagrams": len(chunks)}

def inside(out):
    manifest = {"kernel": os.uname().release, "namespace": NS, "dumps": {}}
    nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    dump(nl, "links", 18, struct.pack("<BBHiII", 0, 0, 0, 0, 0, 0), 1, out, manifest)     # RTM_GETLINK, ifinfomsg
    dump(nl, "addresses", 22, struct.pack("<BBBBI", 0, 0, 0, 0, 0), 2, out, manifest)     # RTM_GETADDR, ifaddrmsg
    dump(nl, "routes4", 26, struct.pack("<BBBBBBBBI", 2, 0, 0, 0, 0, 0, 0, 0, 0), 3, out, manifest)   # RTM_GETROUTE, rtmsg
    dump(nl, "routes6", 26, struct.pack("<BBBBBBBBI", 10, 0, 0, 0, 0, 0, 0, 0, 0), 4, out, manifest)
    nl.close()
    for name, cmd in [("ip-link", "ip -N -d -j -s link show"), ("ip-addr", "ip -N -d -j addr show"),
                      ("ip-route4", "ip -N -d -j -4 route show table all"),
                      ("ip-route6", "ip -N -d -j -6 route show table all")]:
        manifest[name] = json.loads(subprocess.check_output(cmd.split()))
    os.makedirs(os.path.join(out, "proc-net"), exist_ok=True)
    for f in ["route", "ipv6_route", "dev", "if_inet6"]:
        with open("/proc/net/" + f) as src, open(os.path.join(out, "proc-net", f), "w") as dst:
            dst.write(src.read())
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)

def sh(*cmds):
    for c in cmds:
        subprocess.run(c.split(), check=True)

def setup():
    n, p = f"ip -n {NS}", f"ip -n {PEER}"
    sh(f"ip netns add {NS}", f"ip netns add {PEER}",
       f"{n} link set lo up", f"{p} link set lo up",
       # v0 (10.1.2.3/24) <-> v1 in the peer (10.1.2.1); w0 (10.9.0.2/24) <-> w1 (10.9.0.1)
       f"{n} link add v0 type veth peer name v1 netns {PEER}",
       f"{n} link add w0 mtu 1400 type veth peer name w1 netns {PEER}",
       f"{n} link add br0 type bridge",
       f"{n} link add b0 type veth peer name b1 netns {PEER}",
       f"{n} link set b0 master br0",
       f"{n} link set v0 address 02:00:00:00:00:a0",
       f"{n} addr add 10.1.2.3/24 brd + dev v0",
       f"{n} addr add 10.1.2.4/24 dev v0 label v0:1",
       f"{n} addr add 10.9.0.2/24 dev w0",
       f"{n} addr add 10.7.0.1 peer 10.7.0.2/32 dev w0",
       f"{n} -6 addr add 2001:db8:1::3/64 dev v0 nodad",
       f"{n} -6 addr add 2001:db8:9::2/64 dev w0 nodad",
       f"{p} addr add 10.1.2.1/24 dev v1", f"{p} addr add 10.9.0.1/24 dev w1",
       f"{p} -6 addr add 2001:db8:1::1/64 dev v1 nodad", f"{p} -6 addr add 2001:db8:9::1/64 dev w1 nodad",
       f"{n} link set v0 up", f"{n} link set w0 up", f"{n} link set b0 up", f"{n} link set br0 up",
       f"{p} link set v1 up", f"{p} link set w1 up", f"{p} link set b1 up",
       f"{n} route add 203.0.113.0/24 via 10.1.2.1 dev v0 metric 50",
       f"{n} route add default via 10.1.2.1 dev v0 table 100",
       f"{n} route add blackhole 192.0.2.128/25",
       f"{n} route add unreachable 192.0.2.64/26 metric 7",
       f"{n} route add 172.16.0.0/16 via 10.1.2.1 mtu 1400 advmss 1360 window 65535 rtt 10ms",
       f"{n} route add 172.17.0.0/16 dev v0 src 10.1.2.3 proto static scope link",
       f"{n} route add 198.51.100.0/24 nexthop via 10.1.2.1 dev v0 weight 1 nexthop via 10.9.0.1 dev w0 weight 3",
       f"{n} route add 198.18.0.0/15 via inet6 2001:db8:1::1 dev v0",
       f"{n} -6 route add 2001:db8:2::/48 via 2001:db8:1::1 dev v0 metric 10",
       f"{n} -6 route add 2001:db8:3::/48 nexthop via 2001:db8:1::1 dev v0 nexthop via 2001:db8:9::1 dev w0",
       f"{n} -6 route add 2001:db8:4::/48 from 2001:db8:1::/64 via 2001:db8:1::1 dev v0",
       f"{n} -6 route add 2001:db8:5::/48 via 2001:db8:9::1 dev w0 table 100",
       f"{n} -6 route add blackhole 2001:db8:6::/48")
    # Some traffic (UDP to the discard port: ARP/ND and the datagrams) so the counters are not all zero.
    send = ("import socket,time\n"
            "for a, f in (('10.1.2.1', socket.AF_INET), ('2001:db8:9::1', socket.AF_INET6)):\n"
            "    s = socket.socket(f, socket.SOCK_DGRAM)\n"
            "    for _ in range(3): s.sendto(b'x' * 100, (a, 9)); time.sleep(0.1)\n")
    subprocess.run(["ip", "netns", "exec", NS, sys.executable, "-c", send], check=True)

if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--inside":
        inside(sys.argv[2])
        sys.exit(0)
    out = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(here))
    try:
        setup()
        subprocess.run(["ip", "netns", "exec", NS, sys.executable, here, "--inside", out], check=True)
    finally:
        subprocess.run(["ip", "netns", "del", NS])
        subprocess.run(["ip", "netns", "del", PEER])
