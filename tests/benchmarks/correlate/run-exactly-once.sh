#!/usr/bin/env bash
# What exactly-once costs (issue 13, part 2): the CPU one `correlate` member spends on the same events with JSON lines
# on stdout (at least once) and with --output kafka (transactions: the lines, a state record per input partition and
# the offsets committed together each second), against librdkafka's mock cluster (tests/SocketAgent.MockKafkaHost).
#
#   tests/benchmarks/correlate/run-exactly-once.sh [RUNS=3]
#   SOCKET_AGENT_BIN=/path/to/socket-agent   (default: the JIT build, src/SocketAgent/bin/Release/net10.0/socket-agent)
#   EVENTS=15000   the generator's event set (run.sh's generator); it must fit in the mock's 5 MB per partition, as
#                  the events are all produced before the member starts
#   WINDOW=15      seconds each member runs (joining the group in the mock takes ~4 s; the join itself well under 1 s)
#
# A member's CPU over the window includes what it spends idle (librdkafka's threads, the 100 ms poll, heartbeats, and
# for kafka InitTransactions): each mode also runs once per round on an empty topic, and the figure reported is the
# difference — the CPU the events cost. Modes alternate within a round so drift in the machine's load hits all alike;
# medians at the end. Each run checks the member wrote every connection the file mode writes.
set -euo pipefail
cd "$(dirname "$0")/../../.."
runs="${1:-3}"
events="${EVENTS:-15000}"
window="${WINDOW:-15}"
work="artifacts/benchmark/correlate-exactly-once"
mkdir -p "$work"
dir="artifacts/benchmark/correlate-$events"
[ -s "$dir/client-agent.jsonl" ] || dotnet run -c Release --project tests/benchmarks/correlate -- "$dir" "$events"
inputs=("$dir/client-agent.jsonl" "$dir/server-agent.jsonl")
if [ -n "${SOCKET_AGENT_BIN:-}" ]; then
  bin=("$SOCKET_AGENT_BIN")
else
  dotnet build src/SocketAgent/SocketAgent.csproj -c Release -v q -nologo >/dev/null
  bin=(src/SocketAgent/bin/Release/net10.0/socket-agent)
fi
dotnet build -c Release -v q -nologo tests/benchmarks/correlate/producer >/dev/null
producer_dll=tests/benchmarks/correlate/producer/bin/Release/net10.0/SocketAgent.CorrelateProducer.dll

"${bin[@]}" correlate --wait 1s "${inputs[@]}" > "$work/files.jsonl" 2> /dev/null
expected=$(wc -l < "$work/files.jsonl")
input_events=$(cat "${inputs[@]}" | wc -l)
echo "input: $input_events events; file mode writes $expected connection lines"

tick=$(getconf CLK_TCK)
source tests/benchmarks/correlate/mock-cluster.sh
mock_start
member=""
trap '[ -z "$member" ] || kill "$member" 2>/dev/null || true' EXIT

run() { # NAME MODE LOADED -> sets cpu (seconds) and written
  local name=$1 mode=$2 loaded=$3
  topic "$name.events"; topic "$name.out"; topic "$name.group.state"
  [ "$loaded" = no ] || FOLLOW="" dotnet "$producer_dll" "$bootstrap" "$name.events" "${inputs[@]}" > "$work/$name.producer" 2>&1
  local output=()
  [ "$mode" = stdout ] || output=(--output kafka --output-topic "$name.out")
  "${bin[@]}" correlate --kafka-bootstrap-servers "$bootstrap" --kafka-topic "$name.events" --kafka-group "$name.group" \
    --wait 1s "${output[@]}" > "$work/$name.jsonl" 2> "$work/$name.err" &
  member=$!
  sleep "$window"
  cpu=$(awk -v k="$tick" '{ printf "%.2f", ($14 + $15) / k }' "/proc/$member/stat")
  kill -TERM "$member"
  wait "$member" || true
  member=""
  if [ "$mode" = stdout ]; then
    written=$(wc -l < "$work/$name.jsonl")
  else
    written=$(grep -o '[0-9]* two-sided and [0-9]* one-sided' "$work/$name.err" | awk '{ print $1 + $4 }')
  fi
}

declare -A cost=()
for round in $(seq 1 "$runs"); do
  for mode in stdout kafka; do
    run "r$round-$mode-idle" "$mode" no
    idle=$cpu
    run "r$round-$mode" "$mode" yes
    [ "$written" -eq "$expected" ] || echo "r$round-$mode: wrote $written connections, not $expected" >&2
    cost[r$round-$mode]=$(awk -v a="$cpu" -v b="$idle" 'BEGIN { printf "%.2f", a - b }')
    echo "round $round $mode: $written connections; member CPU $cpu s over ${window} s, idle $idle s: the events cost ${cost[r$round-$mode]} s" \
      "$(grep -o '[0-9]* transactions committed, [0-9]* aborted' "$work/r$round-$mode.err" || true)"
  done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
s=$(for r in $(seq 1 "$runs"); do echo "${cost[r$r-stdout]}"; done | median)
k=$(for r in $(seq 1 "$runs"); do echo "${cost[r$r-kafka]}"; done | median)
awk -v s="$s" -v k="$k" -v n="$input_events" 'BEGIN {
  printf "median CPU for %d events: stdout %.2f s (%.0f events per CPU second), kafka %.2f s (%.0f events per CPU second): exactly once costs %.2fx\n",
         n, s, n / s, k, n / k, k / s }'
