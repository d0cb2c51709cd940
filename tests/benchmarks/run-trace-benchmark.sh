#!/usr/bin/env bash
# The eBPF source's cost per traced connection (issue 16): the native AOT daemon with `--source ebpf` writes JSON
# lines to a pipe (read by a line counter) while a native load generator opens and closes loopback TCP connections
# (IPv4 and IPv6 alternately, both ends in the agent's namespace, every transition of an ordinary close).
# Reports connections/s, the agent's CPU per connection (user+sys from /proc/PID/stat, idle rate subtracted), the
# events it wrote against those expected, events lost (loss lines), BPF program time per run (kernel.bpf_stats),
# and peak RSS (VmHWM). With --rate/--seconds it is the churn test (bounded memory at a steady rate).
#
# Usage: tests/benchmarks/run-trace-benchmark.sh [--connections N] [--rate R --seconds S] [--procs P]
#                                                [--source ebpf|auto|netlink] [--interval 1s] [--out FILE]
# Environment: SOCKET_AGENT_BIN (skip the AOT publish). Root only (BPF, bpf_stats).
set -euo pipefail
export LC_ALL=C

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/../.." && pwd)
artifacts="$repo_root/artifacts/benchmark"

connections=100000
rate=0
seconds=0
procs=1
source_kind=ebpf
interval=1s
out=""

log() { printf '[trace-bench] %s\n' "$*" >&2; }
die() { printf '[trace-bench] error: %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while (($#)); do
    case $1 in
        --connections) connections=$2; shift 2 ;;
        --rate) rate=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --procs) procs=$2; shift 2 ;;
        --source) source_kind=$2; shift 2 ;;
        --interval) interval=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) usage 0 ;;
        *) log "unknown argument '$1'"; usage 2 ;;
    esac
done
((EUID == 0)) || die "run as root (BPF programs, kernel.bpf_stats_enabled)"

work=$(mktemp -d "${TMPDIR:-/tmp}/socket-agent-trace-bench.XXXXXX")
agent_pid=""
counter_pid=""
stats_before=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
cleanup() {
    local rc=$?
    [[ -n $agent_pid ]] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null || true
    [[ -n $counter_pid ]] && wait "$counter_pid" 2>/dev/null || true
    sysctl -qw kernel.bpf_stats_enabled="$stats_before" 2>/dev/null || true
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT INT TERM

# --- build ------------------------------------------------------------------------------------------------------
bin=${SOCKET_AGENT_BIN:-}
if [[ -z $bin ]]; then
    log "publishing the native AOT binary"
    "$repo_root/build/publish-aot.sh" "$artifacts/socket-agent-aot" >&2
    bin="$artifacts/socket-agent-aot/socket-agent"
fi
[[ -x $bin ]] || die "no binary at $bin"
mkdir -p "$artifacts"
gcc -O2 -Wall -o "$artifacts/connload" "$script_dir/trace/connload.c"
gcc -O2 -Wall -o "$artifacts/linecount" "$script_dir/trace/linecount.c"

ticks=$(getconf CLK_TCK)
# shellcheck source=lib/process-stats.sh
source "$script_dir/lib/process-stats.sh"
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
anon_kib() { awk '/^RssAnon:/ { print $2 }' "/proc/$1/status"; }
# The agent's own BPF programs (other tracers may be loaded beside it): the prog_id lines of its fds' fdinfo.
agent_prog_ids() { { grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null || true; } | awk '{ print $2 }' | sort -u; }
# "name run_time_ns run_cnt" of each of them.
bpf_per_program() {
    local id
    for id in $prog_ids; do
        bpftool prog show id "$id" 2>/dev/null | awk 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "name") name = $(i+1); if ($i == "run_time_ns") ns = $(i+1); if ($i == "run_cnt") n = $(i+1) }
                                                                 printf "%s %d %d\n", name, ns, n }'
    done
}
bpf_totals() { bpf_per_program | awk '{ ns += $2; n += $3 } END { printf "%d %d\n", ns, n }'; }

# --- start the agent ----------------------------------------------------------------------------------------------
sysctl -qw kernel.bpf_stats_enabled=1
mkfifo "$work/lines"
"$artifacts/linecount" < "$work/lines" > "$work/counts" &
counter_pid=$!
"$bin" --source "$source_kind" --interval "$interval" --heartbeat 10s --state-dir "$work/state" \
    > "$work/lines" 2> "$work/stderr" &
agent_pid=$!
for _ in $(seq 100); do
    [[ -s $work/stderr ]] && grep -q error "$work/stderr" && die "agent: $(cat "$work/stderr")"
    # Up when the first snapshot is out: its state file appears, then a little more for the first cycle.
    [[ -d $work/state ]] && break
    sleep 0.1
done
sleep 3
kill -0 "$agent_pid" 2>/dev/null || die "the agent exited: $(cat "$work/stderr")"

# Idle: nothing happens for 5 s (the cost of the cycles and the drain thread alone).
idle_seconds=5
idle_start=$(cpu_ticks "$agent_pid")
sleep "$idle_seconds"
idle_end=$(cpu_ticks "$agent_pid")
idle_ticks_per_s=$(awk -v a="$idle_start" -v b="$idle_end" -v s="$idle_seconds" 'BEGIN { print (b - a) / s }')

prog_ids=$(agent_prog_ids "$agent_pid" | tr '\n' ' ' || true)

# --- the load ------------------------------------------------------------------------------------------------------
read -r bpf_ns0 bpf_n0 < <(bpf_totals)
bpf_per_program > "$work/bpf0"
cpu0=$(cpu_ticks "$agent_pid")
t0=$EPOCHREALTIME
load_args=(-n "$connections" -p "$procs")
((seconds > 0 && ${rate%.*} > 0)) && load_args=(-r "$rate" -s "$seconds" -p "$procs")
((${rate%.*} > 0)) && ((seconds == 0)) && load_args+=(-r "$rate")
# RSS is sampled while the load runs (VmHWM is the peak anyway).
"$artifacts/connload" "${load_args[@]}" > "$work/load" &
load_pid=$!
rss_max=0
anon_max=0
while kill -0 "$load_pid" 2>/dev/null; do
    r=$(rss_kib "$agent_pid"); ((r > rss_max)) && rss_max=$r
    a=$(anon_kib "$agent_pid"); ((a > anon_max)) && anon_max=$a
    sleep 1
done
wait "$load_pid" || die "the load generator failed"
# Let the agent drain what is left: two intervals and a bit.
sleep 3
t1=$EPOCHREALTIME
cpu1=$(cpu_ticks "$agent_pid")
read -r bpf_ns1 bpf_n1 < <(bpf_totals)
bpf_per_program > "$work/bpf1"
hwm=$(hwm_kib "$agent_pid")
kill -TERM "$agent_pid"
wait "$agent_pid" || true
agent_pid=""
wait "$counter_pid" || true
counter_pid=""

load_line=$(cat "$work/load")
made=$(sed -n 's/.*connections=\([0-9]*\).*/\1/p' <<< "$load_line")
per_second=$(sed -n 's/.*per_second=\([0-9]*\).*/\1/p' <<< "$load_line")
counts=$(cat "$work/counts")
get() { tr ' ' '\n' <<< "$counts" | sed -n "s/^$1=//p" | head -1; }
opened=$(get socket.opened); closed=$(get socket.closed); changed=$(get socket.state_changed)
loss=$(get loss_count); loss_lines=$(get agent.loss)
report=$(awk -v c0="$cpu0" -v c1="$cpu1" -v tk="$ticks" -v t0="$t0" -v t1="$t1" -v idle="$idle_ticks_per_s" \
    -v n="$made" -v ns0="$bpf_ns0" -v ns1="$bpf_ns1" -v r0="$bpf_n0" -v r1="$bpf_n1" 'BEGIN {
        cpu = (c1 - c0) / tk; wall = t1 - t0; idle_cpu = idle / tk * wall
        printf "agent_cpu_s=%.2f wall_s=%.2f idle_cpu_s=%.2f us_per_connection=%.1f us_per_connection_idle_subtracted=%.1f",
            cpu, wall, idle_cpu, cpu / n * 1e6, (cpu - idle_cpu) / n * 1e6
        runs = r1 - r0
        printf " bpf_runs=%d bpf_ns_per_run=%.0f bpf_us_per_connection=%.2f", runs, (runs > 0 ? (ns1 - ns0) / runs : 0), (ns1 - ns0) / n / 1000
    }')

{
    echo "## eBPF source cost ($(date -u +%FT%TZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r))"
    echo
    echo "- source: \`$source_kind\`, interval $interval, binary $bin"
    echo "- load: $load_line (generator processes: $procs)"
    echo "- agent: $report"
    echo "- agent idle: $(awk -v i="$idle_ticks_per_s" -v tk="$ticks" 'BEGIN { printf "%.1f ms CPU/s", i / tk * 1000 }')"
    echo "- events: $counts (expected at least $((2 * made)) opened and closed, $((4 * made)) state_changed: 8 lines a connection)"
    echo "- lost: ${loss:-0} in ${loss_lines:-0} loss lines"
    echo "- peak RSS: $(awk -v h="$hwm" 'BEGIN { printf "%.1f MiB", h / 1024 }') (VmHWM; largest sampled VmRSS under load $(awk -v h="$rss_max" 'BEGIN { printf "%.1f MiB", h / 1024 }'), of it anonymous at most $(awk -v h="$anon_max" 'BEGIN { printf "%.1f MiB", h / 1024 }'))"
    echo "- BPF programs (ns per run over the load):"
    join <(sort "$work/bpf0") <(sort "$work/bpf1") | awk '{ runs = $5 - $3; printf "  - %s: %d runs, %.0f ns/run\n", $1, runs, (runs > 0 ? ($4 - $2) / runs : 0) }'
    grep -v '^$' "$work/stderr" | sed 's/^/- stderr: /' | head -5 || true
} | tee "${out:-/dev/null}"
