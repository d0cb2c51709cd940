#!/usr/bin/env bash
# The correlate benchmark: generates two agents' event files (tests/benchmarks/correlate, realistic daemon lines),
# runs `socket-agent correlate` on them under /usr/bin/time -v, and prints events/s and peak RSS.
#   tests/benchmarks/correlate/run.sh [EVENTS=1000000]
#   SOCKET_AGENT_BIN=artifacts/aot/socket-agent tests/benchmarks/correlate/run.sh   # the native AOT binary
set -euo pipefail
cd "$(dirname "$0")/../../.."
events="${1:-1000000}"
dir="artifacts/benchmark/correlate-$events"
if [ ! -s "$dir/client-agent.jsonl" ]; then
  dotnet run -c Release --project tests/benchmarks/correlate -- "$dir" "$events"
fi
if [ -n "${SOCKET_AGENT_BIN:-}" ]; then
  cmd=("$SOCKET_AGENT_BIN")
else
  dotnet build src/SocketAgent/SocketAgent.csproj -c Release -v q -nologo >/dev/null
  cmd=(dotnet src/SocketAgent/bin/Release/net10.0/socket-agent.dll)
fi
cat "$dir"/*.jsonl > /dev/null # page cache: time the join, not the disk
/usr/bin/time -v "${cmd[@]}" correlate "$dir/client-agent.jsonl" "$dir/server-agent.jsonl" > "$dir/out.jsonl" 2> "$dir/time.txt"
lines=$(cat "$dir"/client-agent.jsonl "$dir"/server-agent.jsonl | wc -l)
wall=$(grep 'Elapsed (wall clock)' "$dir/time.txt" | awk '{print $NF}' | awk -F: '{ if (NF == 3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
user=$(grep 'User time' "$dir/time.txt" | awk '{print $NF}')
sys=$(grep 'System time' "$dir/time.txt" | awk '{print $NF}')
rss=$(grep 'Maximum resident' "$dir/time.txt" | awk '{print $NF}')
grep 'correlate:' "$dir/time.txt"
awk -v n="$lines" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v out="$(wc -l < "$dir/out.jsonl")" 'BEGIN {
  printf "%d events -> %d connection lines: %.1f s wall, %.1f s CPU; %.0f events/s (wall), %.0f events/s (per CPU second); peak RSS %.0f MiB\n",
         n, out, w, u + s, n / w, n / (u + s), r / 1024 }'
