#!/bin/bash
# Captures /proc/net/{snmp,netstat,snmp6} and the matching `netstat -s` outputs (net-tools 2.10) into DIR.
# Host mode (default): retries until the files read before and after the netstat runs are identical.
# Namespace mode (--netns): a fresh network namespace with some loopback traffic (ICMP echo, a TCP connection
# with data, a refused TCP connect, UDP to a closed port, v4 and v6), where nothing else moves the counters.
set -euo pipefail
dir=$1; mode=${2:-host}
mkdir -p "$dir"
run() { if [ "$mode" = --netns ]; then ip netns exec "$ns" "$@"; else "$@"; fi; }
if [ "$mode" = --netns ]; then
  ns=sa-stats-capture-$$
  ip netns add "$ns"; trap 'ip netns del "$ns"' EXIT
  run ip link set lo up
  run python3 - <<'PY'
import socket, struct, os
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b)//2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16; return ~s & 0xffff
r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
for seq in range(3):
    h = struct.pack('!BBHHH', 8, 0, 0, os.getpid() & 0xffff, seq) + b'x' * 8
    r.sendto(h[:2] + struct.pack('!H', csum(h)) + h[4:], ('127.0.0.1', 0)); r.recv(100); r.recv(100)
for fam, host in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
    l = socket.socket(fam, socket.SOCK_STREAM); l.bind((host, 0)); l.listen()
    c = socket.create_connection((host, l.getsockname()[1])); a, _ = l.accept()
    c.sendall(b'hello' * 100); a.recv(1000); a.sendall(b'world'); c.recv(10); c.close(); a.close(); l.close()
    try: socket.create_connection((host, 1))
    except ConnectionRefusedError: pass
    u = socket.socket(fam, socket.SOCK_DGRAM); u.sendto(b'x', (host, 9)); u.close()
    s = socket.socket(fam, socket.SOCK_DGRAM); s.bind((host, 0)); u = socket.socket(fam, socket.SOCK_DGRAM)
    for _ in range(4): u.sendto(b'y' * 10, s.getsockname())
    for _ in range(4): s.recv(100)
PY
  sleep 0.2
fi
for attempt in $(seq 1 50); do
  for f in snmp netstat snmp6; do run cat /proc/net/$f > "$dir/$f.before"; done
  LC_ALL=C run netstat -s > "$dir/netstat-s.txt"
  LC_ALL=C run netstat -s -6 > "$dir/netstat-s6.txt"
  LC_ALL=C run netstat -st > "$dir/netstat-st.txt"
  LC_ALL=C run netstat -su > "$dir/netstat-su.txt"
  LC_ALL=C run netstat -sw > "$dir/netstat-sw.txt"
  LC_ALL=C run netstat -s -6 -t > "$dir/netstat-s6t.txt"
  LC_ALL=C run netstat -s -6 -u > "$dir/netstat-s6u.txt"
  LC_ALL=C run netstat -s -6 -w > "$dir/netstat-s6w.txt"
  same=1
  for f in snmp netstat snmp6; do run cat /proc/net/$f > "$dir/$f"; cmp -s "$dir/$f" "$dir/$f.before" || same=0; done
  rm -f "$dir"/*.before
  if [ $same = 1 ]; then echo "captured on attempt $attempt"; exit 0; fi
done
echo "counters kept moving; capture not stable" >&2; exit 1
