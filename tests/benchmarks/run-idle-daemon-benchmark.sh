#!/usr/bin/env bash
# The whole daemon's idle cost, process against process: on the reference workload (see run-benchmark.sh) the
# native `socket-agent` runs as a daemon (stdout to /dev/null) and its CPU (utime + stime from /proc/PID/stat) is
# sampled over cycles in which nothing changes; `ss -tuaxnp` is timed the same way for the ratio. With BASELINE_BIN
# an earlier build runs in the same rounds, alternating with this one, for a before/after comparison in one run.
#
# Usage: tests/benchmarks/run-idle-daemon-benchmark.sh [--out FILE] [--rounds N] [--seconds N] [--warmup N]
#                                                      [--processes N] [--tcp-connections N]
# Environment: SOCKET_AGENT_BIN (skip the AOT publish), BASELINE_BIN (an earlier binary to compare with),
#              WORKLOAD_BIN (skip the workload build), SOCKET_AGENT_ARGS (daemon arguments; default
#              "--source netlink --interval 1s").
set -euo pipefail
export LC_ALL=C

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/../.." && pwd)
artifacts="$repo_root/artifacts/benchmark"

rounds=2
seconds=20
warmup=5
processes=20
tcp_connections=10000
udp=200
unix=200
out=""
ready_timeout=120

log() { printf '[idle-bench] %s\n' "$*" >&2; }
die() { printf '[idle-bench] error: %s\n' "$*" >&2; exit 1; }
# shellcheck source=lib/workload.sh
source "$script_dir/lib/workload.sh"
# shellcheck source=lib/process-stats.sh
source "$script_dir/lib/process-stats.sh"
usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
int_arg() { [[ ${2:-} =~ ^[0-9]+$ ]] || die "$1 needs a non-negative integer, got '${2:-}'"; printf '%s' "$2"; }

while (($#)); do
    case $1 in
        --out) [[ -n ${2:-} ]] || die "--out needs a file name"; out=$2; shift 2 ;;
        --rounds) rounds=$(int_arg "$1" "${2:-}"); shift 2 ;;
        --seconds) seconds=$(int_arg "$1" "${2:-}"); shift 2 ;;
        --warmup) warmup=$(int_arg "$1" "${2:-}"); shift 2 ;;
        --processes) processes=$(int_arg "$1" "${2:-}"); shift 2 ;;
        --tcp-connections) tcp_connections=$(int_arg "$1" "${2:-}"); shift 2 ;;
        -h|--help) usage 0 ;;
        *) log "unknown argument '$1'"; usage 2 ;;
    esac
done
((rounds >= 1 && seconds >= 2 && processes >= 1)) || die "rounds >= 1, seconds >= 2, processes >= 1"

work_dir=$(mktemp -d "${TMPDIR:-/tmp}/socket-agent-idle-bench.XXXXXX")
daemon_pid=""
cleanup() {
    local rc=$?
    if [[ -n $daemon_pid ]]; then
        kill -TERM "$daemon_pid" 2>/dev/null || true
        wait "$daemon_pid" 2>/dev/null || true
    fi
    stop_workload
    rm -rf -- "$work_dir"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ -n ${SOCKET_AGENT_BIN:-} ]]; then
    agent_bin=$SOCKET_AGENT_BIN
else
    publish_native src/SocketAgent/SocketAgent.csproj "$artifacts/socket-agent"
    agent_bin="$artifacts/socket-agent/socket-agent"
fi
[[ -x $agent_bin ]] || die "socket-agent binary not found or not executable: $agent_bin"
binaries=("$agent_bin")
labels=("this build")
if [[ -n ${BASELINE_BIN:-} ]]; then
    [[ -x $BASELINE_BIN ]] || die "BASELINE_BIN is not an executable: $BASELINE_BIN"
    binaries+=("$BASELINE_BIN")
    labels+=("baseline")
fi
read -r -a daemon_args <<<"${SOCKET_AGENT_ARGS:---source netlink --interval 1s}"
workload_bin=$(workload_binary) || exit 1
check_workload_limits
start_workload "$workload_bin" "socket-agent-idle-bench-$$"

ticks=$(getconf CLK_TCK)

# run_daemon I: starts binary I as a daemon, skips the warm-up (first full snapshot), then samples its CPU over
# --seconds; prints "cpu_ms_per_second peak_rss_kib".
run_daemon() {
    local bin=${binaries[$1]} state="$work_dir/state.$1"
    rm -rf -- "$state"
    "$bin" "${daemon_args[@]}" --state-dir "$state" >/dev/null 2>"$work_dir/daemon.$1.err" \
        {workload_in}>&- {workload_out}<&- &
    daemon_pid=$!
    sleep "$warmup"
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$work_dir/daemon.$1.err" >&2; die "${labels[$1]} exited during the warm-up"; }
    local t0 c0 t1 c1
    t0=$EPOCHREALTIME; c0=$(cpu_ticks "$daemon_pid")
    sleep "$seconds"
    t1=$EPOCHREALTIME; c1=$(cpu_ticks "$daemon_pid")
    local rss; rss=$(hwm_kib "$daemon_pid")
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" || die "${labels[$1]} did not stop cleanly (exit $?)"
    daemon_pid=""
    awk -v c=$((c1 - c0)) -v hz="$ticks" -v us=$(( ${t1/./} - ${t0/./} )) -v rss="$rss" \
        'BEGIN { printf "%.2f %d\n", (c * 1000 / hz) / (us / 1e6), rss }'
}

# ss_cpu_ms: CPU of one `ss -tuaxnp` (median of 5), from its rusage.
ss_cpu_ms() {
    local i
    for i in 1 2 3 4 5; do
        /usr/bin/time -f '%U %S' -o "$work_dir/ss.time" ss -tuaxnp >/dev/null {workload_in}>&- {workload_out}<&-
        awk '{ printf "%.1f\n", ($1 + $2) * 1000 }' "$work_dir/ss.time"
    done | sort -n | sed -n 3p
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -a samples rss_peak
for ((r = 0; r < rounds; r++)); do
    for ((k = 0; k < ${#binaries[@]}; k++)); do
        i=$(( (r + k) % ${#binaries[@]} ))
        log "round $((r + 1)): ${labels[i]} for ${seconds} s"
        read -r cpu rss < <(run_daemon "$i")
        samples[i]="${samples[i]:-} $cpu"
        (( rss > ${rss_peak[i]:-0} )) && rss_peak[i]=$rss
    done
done
ss_ms=$(ss_cpu_ms)

median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { printf "%.2f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
interval=$(grep -oE -- '--interval [0-9]+s' <<<"${daemon_args[*]}" | grep -oE '[0-9]+' || echo 1)
report="$work_dir/report.md"
{
    echo "## socket-agent idle daemon benchmark"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) cores, load average before: $load_before."
    echo "Workload: $workload_sockets sockets. Daemon arguments: \`${daemon_args[*]}\`; $rounds round(s) of $seconds s each after a $warmup s warm-up."
    echo
    echo "| binary | CPU ms per second (median of rounds) | CPU ms per ${interval} s cycle | vs one \`ss -tuaxnp\` ($ss_ms ms CPU) | peak RSS MiB |"
    echo "| --- | ---: | ---: | ---: | ---: |"
    for ((i = 0; i < ${#binaries[@]}; i++)); do
        m=$(median "${samples[i]}")
        per_cycle=$(awk -v m="$m" -v s="$interval" 'BEGIN { printf "%.2f", m * s }')
        echo "| ${labels[i]} (\`${binaries[i]}\`) | $m | $per_cycle | $(awk -v a="$per_cycle" -v b="$ss_ms" 'BEGIN { printf "%.3f", a / b }')× | $(awk -v k="${rss_peak[i]}" 'BEGIN { printf "%.1f", k / 1024 }') |"
    done
} >"$report"
cat "$report"
[[ -n $out ]] && cp -- "$report" "$out"
exit 0
