#!/usr/bin/env bash
# Captures the fixture tests/SocketAgent.Core.Tests/Fixtures/correlation/{client,server}.jsonl: two network
# namespaces joined by a veth pair, one daemon per namespace (own state dir and --host-name), a python3 server in
# one and a python3 client in the other exchanging 3000 bytes one way and 70000 the other, then closing.
# Run as root from the repository root after `dotnet build -c Release`.
set -euo pipefail
out=${1:-tests/SocketAgent.Core.Tests/Fixtures/correlation}
bin=(dotnet src/SocketAgent/bin/Release/net10.0/socket-agent.dll)
s=$RANDOM; a=sa-cap-$s-a; b=sa-cap-$s-b; tmp=$(mktemp -d)
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; ip netns del "$a" 2>/dev/null || true; ip netns del "$b" 2>/dev/null || true; rm -rf "$tmp"; }
pids=(); trap cleanup EXIT
ip netns add "$a"; ip netns add "$b"
ip -n "$a" link add va type veth peer name vb netns "$b"
ip -n "$a" addr add 10.216.7.1/24 dev va; ip -n "$b" addr add 10.216.7.2/24 dev vb
ip -n "$a" link set va up; ip -n "$b" link set vb up; ip -n "$a" link set lo up; ip -n "$b" link set lo up
for side in server:"$a" client:"$b"; do
  name=${side%%:*}; ns=${side#*:}
  "${bin[@]}" --netns /run/netns/"$ns" --state-dir "$tmp/$name" --host-name "host-$name" --interval 200ms -t \
    --output file --file-path "$tmp/$name.jsonl" 2>"$tmp/$name.err" & pids+=($!)
done
sleep 3
ip netns exec "$a" python3 -c 'import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("10.216.7.1", 7407)); s.listen()
c,_=s.accept(); n=0
while n < 3000: n += len(c.recv(65536))
c.sendall(b"y"*70000); c.shutdown(socket.SHUT_WR); c.recv(1); c.close()' billing-server --port=7407 &
srv=$!
sleep 1
ip netns exec "$b" python3 -c 'import socket,sys,time
c=socket.create_connection(("10.216.7.1", 7407)); time.sleep(0.6); c.sendall(b"x"*3000); n=0
while True:
  d=c.recv(65536)
  if not d: break
  n += len(d)
time.sleep(0.6); c.close()' report-client --fetch=invoices
wait $srv
sleep 2
kill -TERM "${pids[@]}"; wait "${pids[@]}" || true
grep -v '"dataset":"agent"' "$tmp/server.jsonl" > "$out/server.jsonl"
grep -v '"dataset":"agent"' "$tmp/client.jsonl" > "$out/client.jsonl"
wc -l "$out"/*.jsonl
