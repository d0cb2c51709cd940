#!/usr/bin/env bash
# The correlate consumer-group benchmark (issue 13, part 5): events/s of one native-AOT `correlate` member against two
# members of one group on a 6-partition topic, and the lag under a burst. No real broker runs here, so the topic lives
# in librdkafka's mock cluster (tests/SocketAgent.MockKafkaHost, 3 brokers) — which runs on the same cores as the
# members, as does the producer: their CPU is reported beside the members', so a ratio two/one can be read against
# what they took.
#
#   tests/benchmarks/correlate/run-group.sh [RUNS=3]
#   SOCKET_AGENT_BIN=/path/to/socket-agent tests/benchmarks/correlate/run-group.sh   # default artifacts/aot/socket-agent,
#                                                                                   # built by build/publish-aot.sh if absent
#   WAIT=2s (correlate --wait)  PHASES="paced burst"  EVENTS=1000000  BURST_EVENTS=15000  MAX_AHEAD=3500
#   FETCH_WAIT_MS=10 (the members' fetch.wait.max.ms; "" for librdkafka's default, 500)
#
# Input: the event files of run.sh's generator (two agents; EVENTS, default its 1,000,002, generated into
# artifacts/benchmark/correlate-N if absent), produced keyed by network.community_id as the agents' flow topic is
# (producer/, the two files merged by @timestamp). Each run is a new topic and a new consumer group; one and two members
# alternate (1,2,1,2,...) so drift in the machine's load hits both alike; medians at the end.
#   paced  throughput. The mock cluster keeps only the last 5 MB of each partition (30 MB for 6 partitions, ~25,000
#          of these events), deleting older ones whether read or not, so the million events cannot be put on the topic
#          first: the producer runs beside the members and keeps at most MAX_AHEAD events per partition that are not
#          yet in a written line (it reads the community ids of the members' output; see producer/Program.cs).
#          Timed from the first connection line to the last (a new group's first rebalance in the mock takes seconds,
#          not correlate's work), and from the members' start.
#   burst  lag. The members are started on an empty topic and have joined; then BURST_EVENTS (a generated set that
#          fits in the mock's 5 MB per partition) are produced at once: lag = the producer's last delivered event to
#          the last connection line.
# A run ends when the members together wrote as many lines as `correlate` on the files writes (the same binary, file
# mode); it fails after 300 s. --wait is short (WAIT) because the last one-sided connections (no far end) come out
# only --wait of wall time after their close arrived: with the default 30 s that wait, not the join, would be the
# last line's time. Each run checks that the short wait split no two-sided connection (two-sided count = file mode's).
set -euo pipefail
cd "$(dirname "$0")/../../.."
runs="${1:-3}"
wait_option="${WAIT:-2s}"
phases="${PHASES:-paced burst}"
events="${EVENTS:-1000000}"
burst_events="${BURST_EVENTS:-15000}"
max_ahead="${MAX_AHEAD:-3500}"
# The members' fetch wait: at librdkafka's default fetch.wait.max.ms (500 ms) one and two members both ran at ~33,000
# events/s, each at ~30 % of a core — latency, not work (presumably the mock holds a fetch that found no new data for
# the full wait even when the paced producer adds some meanwhile; a real broker answers when data arrives). At 10 ms
# the rate doubled.
fetch_wait="${FETCH_WAIT_MS-10}"
member_properties=()
[ -z "$fetch_wait" ] || member_properties=(--kafka-property "fetch.wait.max.ms=$fetch_wait")
work="artifacts/benchmark/correlate-group"
mkdir -p "$work"

for n in "$events" "$burst_events"; do
  if [ ! -s "artifacts/benchmark/correlate-$n/client-agent.jsonl" ]; then
    dotnet run -c Release --project tests/benchmarks/correlate -- "artifacts/benchmark/correlate-$n" "$n"
  fi
done
bin="${SOCKET_AGENT_BIN:-artifacts/aot/socket-agent}"
if [ ! -x "$bin" ]; then
  build/publish-aot.sh artifacts/aot
  bin=artifacts/aot/socket-agent
fi
dotnet build -c Release -v q -nologo tests/benchmarks/correlate/producer >/dev/null
producer_dll=tests/benchmarks/correlate/producer/bin/Release/net10.0/SocketAgent.CorrelateProducer.dll

# What a run must reach: the lines (and two-sided lines) of the file mode, which sees the same events in time order.
use_set() { # EVENTS: sets inputs, input_events, expected, expected_two
  local dir="artifacts/benchmark/correlate-$1"
  inputs=("$dir/client-agent.jsonl" "$dir/server-agent.jsonl")
  input_events=$(cat "${inputs[@]}" | wc -l)
  "$bin" correlate "${inputs[@]}" > "$work/files.jsonl" 2> "$work/files.err"
  expected=$(wc -l < "$work/files.jsonl")
  expected_two=$(grep -c '"sides":2' "$work/files.jsonl")
  rm -f "$work/files.jsonl"
  echo "input: $input_events events; file mode writes $expected connection lines ($expected_two two-sided)"
}

tick=$(getconf CLK_TCK)
cpu_seconds() { awk -v t="$tick" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; }
peak_rss_mib() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
now_ms() { local t=$EPOCHREALTIME; echo $(( ${t/./} / 1000 )); }

source tests/benchmarks/correlate/mock-cluster.sh
mock_start
members=()
cleanup() { for p in "${members[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

produce() { # TOPIC [FOLLOWED_OUTPUT...] -> "produced N events, first MS, last MS, cpu S"
  local topic=$1 follow
  shift
  follow=$(IFS=:; echo "$*")
  FOLLOW="$follow" MAX_AHEAD="$max_ahead" dotnet "$producer_dll" "$bootstrap" "$topic" "${inputs[@]}" 2> "$work/producer.err"
}

start_members() { # COUNT TOPIC GROUP RUN_NAME: starts them, sets members=() and member_start
  members=()
  member_start=$(now_ms)
  for i in $(seq 1 "$1"); do
    : > "$work/$4.m$i.jsonl" # there before the paced producer looks for it
    "$bin" correlate --kafka-bootstrap-servers "$bootstrap" --kafka-topic "$2" --kafka-group "$3" --wait "$wait_option" \
      "${member_properties[@]}" > "$work/$4.m$i.jsonl" 2> "$work/$4.m$i.err" &
    members+=($!)
  done
}

# Counts the members' lines as they come (only the bytes added since the last look) until `expected`; sets first_line
# and last_line (ms, to within the 100 ms poll) and stops the members after reading their CPU and peak RSS.
wait_for_lines() { # RUN_NAME
  local -A offset=()
  local total=0 deadline=$(( $(now_ms) + 300000 )) f size
  first_line=0
  while [ "$total" -lt "$expected" ]; do
    for f in "$work/$1".m*.jsonl; do
      size=$(stat -c %s "$f")
      if [ "$size" -gt "${offset[$f]:-0}" ]; then
        # (tail may die of SIGPIPE when the file grew past what head takes: not a failure)
        total=$(( total + $(tail -c +$(( ${offset[$f]:-0} + 1 )) "$f" | head -c $(( size - ${offset[$f]:-0} )) | wc -l || true) ))
        offset[$f]=$size
        [ "$first_line" -gt 0 ] || first_line=$(now_ms)
      fi
    done
    [ "$(now_ms)" -lt "$deadline" ] || { echo "run $1: only $total of $expected lines after 300 s" >&2; break; }
    [ "$total" -ge "$expected" ] || sleep 0.1
  done
  last_line=$(now_ms)
  member_cpu=() member_rss=()
  for p in "${members[@]}"; do
    member_cpu+=("$(cpu_seconds "$p")")
    member_rss+=("$(peak_rss_mib "$p")")
  done
  for p in "${members[@]}"; do kill -TERM "$p"; done
  for p in "${members[@]}"; do wait "$p" || echo "run $1: member $p exited $?" >&2; done
  members=()
}

# Checks a run's output against the file mode: lines, distinct connections (by event.id), two-sided count.
check() { # RUN_NAME -> "lines L distinct D two-sided T"
  cat "$work/$1".m*.jsonl | awk -v two=0 '
    { n++; if (match($0, /"event":\{[^}]*"id":"[^"]*"/)) ids[substr($0, RSTART, RLENGTH)] = 1; if (index($0, "\"sides\":2")) two++ }
    END { d = 0; for (k in ids) d++; printf "lines %d distinct %d two-sided %d", n, d, two }'
}

results="$work/results.tsv"
echo "members: $bin, --wait $wait_option ${member_properties[*]}; producer paced at $max_ahead events per partition"
printf 'phase\tmembers\trun\twall_s\tfirst_line_s\tevents_per_s\tlag_s\tmember_cpu_s\tmember_peak_rss_mib\tmock_cpu_s\tproducer_cpu_s\tload1\tcheck\n' > "$results"
record() { # PHASE MEMBERS RUN WALL FIRST LAG PRODUCER_CPU MOCK_CPU CHECK
  local rate cpu rss
  rate=$(awk -v e="$input_events" -v w="$4" 'BEGIN { printf "%.0f", e / w }')
  cpu=$(IFS=+; echo "${member_cpu[*]}")
  rss=$(IFS=/; echo "${member_rss[*]}")
  printf '%s\t%s\t%s\t%.2f\t%.2f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$rate" "$6" "$cpu" "$rss" "$8" "$7" \
    "$(cut -d' ' -f1 /proc/loadavg)" "$9" | tee -a "$results"
}
ms_to_s() { awk -v ms="$1" 'BEGIN { printf "%.2f", ms / 1000 }'; }

if [[ " $phases " == *" paced "* ]]; then
  use_set "$events"
  for run in $(seq 1 "$runs"); do
    for n in 1 2; do
      name="paced-$n-$run"
      topic "$name"
      mock_before=$(cpu_seconds "$mock_pid")
      start_members "$n" "$name" "group-$name" "$name"
      produce "$name" "$work/$name".m*.jsonl > "$work/producer.out" &
      producer=$!
      wait_for_lines "$name"
      wait "$producer"
      read -r _ _ _ _ first _ last _ producer_cpu < <(tr -d , < "$work/producer.out")
      mock_cpu=$(awk -v a="$mock_before" -v b="$(cpu_seconds "$mock_pid")" 'BEGIN { printf "%.2f", b - a }')
      # wall: first line to last line (events/s from it); "first_line_s": members' start to the first line.
      record paced "$n" "$run" "$(ms_to_s $(( last_line - first_line )))" "$(ms_to_s $(( first_line - member_start )))" - \
        "$producer_cpu" "$mock_cpu" "$(check "$name")"
      rm -f "$work/$name".m*.jsonl
    done
  done
fi

if [[ " $phases " == *" burst "* ]]; then
  use_set "$burst_events"
  for run in $(seq 1 "$runs"); do
    for n in 1 2; do
      name="burst-$n-$run"
      topic "$name"
      start_members "$n" "$name" "group-$name" "$name"
      # Joined and idle before the burst: a new group's first rebalance takes the mock coordinator ~13 s (seen in the
      # preloaded phase: the first line comes that long after the start).
      sleep 20
      mock_before=$(cpu_seconds "$mock_pid")
      read -r _ _ _ _ first _ last _ producer_cpu < <(produce "$name" | tr -d ,)
      wait_for_lines "$name"
      mock_cpu=$(awk -v a="$mock_before" -v b="$(cpu_seconds "$mock_pid")" 'BEGIN { printf "%.2f", b - a }')
      # wall: from the burst's first event to the last line; lag: from its last delivered event to the last line.
      record burst "$n" "$run" "$(ms_to_s $(( last_line - first )))" "$(ms_to_s $(( first_line - first )))" \
        "$(ms_to_s $(( last_line - last )))" "$producer_cpu" "$mock_cpu" "$(check "$name")"
      rm -f "$work/$name".m*.jsonl
    done
  done
fi

echo "medians over $runs runs (wall s, events/s, lag s, member CPU s summed, mock CPU s):"
awk -F'\t' 'NR > 1 {
    k = $1 " " $2; split($8, c, "+"); cpu = 0; for (i in c) cpu += c[i]
    n[k]++; wall[k, n[k]] = $4; rate[k, n[k]] = $6; lag[k, n[k]] = $7; mcpu[k, n[k]] = cpu; mock[k, n[k]] = $10
  }
  function median(a, k, m,   i, j, t, v) {
    for (i = 1; i <= m; i++) v[i] = a[k, i]
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] + 0 < v[i] + 0) { t = v[i]; v[i] = v[j]; v[j] = t }
    return m % 2 ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
  }
  END { for (k in n) printf "%-12s members: wall %.2f s, %.0f events/s, lag %s s, member CPU %.2f s, mock CPU %.2f s\n", k, median(wall, k, n[k]),
        median(rate, k, n[k]), (lag[k, 1] == "-" ? "-" : sprintf("%.2f", median(lag, k, n[k]))), median(mcpu, k, n[k]), median(mock, k, n[k]) }' "$results" | sort
echo "per run: $results"
