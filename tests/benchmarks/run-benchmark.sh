#!/usr/bin/env bash
# Times the native `socket-agent --once` against `ss -tuaxnp` and `netstat -tuaxnp` on a workload of
# 10,000 loopback TCP connections (20,000 sockets) plus UDP and UNIX sockets over 20 processes, and checks the
# targets: median wall time <= 0.8 x `ss -tuaxnp`, peak RSS <= 64 MiB. See README.md beside this script.
#
# Usage: tests/benchmarks/run-benchmark.sh [--out FILE] [--runs N] [--warmup N] [--strict]
#                                          [--processes N] [--tcp-connections N] [--udp N] [--unix N]
# Environment: SOCKET_AGENT_BIN (skip the AOT publish, time this binary), WORKLOAD_BIN (skip the workload build),
#              WORKLOAD_CONTAINERS=1 (root: each workload process in a cgroup of its own laid out as Docker's, in
#              cgroup2 and v1's name=systemd, so every socket line carries container context; removed at exit),
#              BASELINE_BIN (an earlier build of socket-agent, timed in the same interleaved rounds: before/after).
set -euo pipefail
export LC_ALL=C # EPOCHREALTIME and printf must use '.' as the decimal point

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/../.." && pwd)
artifacts="$repo_root/artifacts/benchmark"

runs=10
warmup=1
processes=20
tcp_connections=10000
udp=200
unix=200
out=""
strict=0
ready_timeout=120
target_ratio=0.8
target_rss_mib=64

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }
# shellcheck source=lib/workload.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/lib/workload.sh"

usage() {
    sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

int_arg() { [[ ${2:-} =~ ^[0-9]+$ ]] || die "$1 needs a non-negative integer, got '${2:-}'"; printf '%s' "$2"; }

while (($#)); do
    case $1 in
        --out) [[ -n ${2:-} ]] || die "--out needs a file name"; out=$2; shift 2 ;;
        --runs) runs=$(int_arg "$1" "${2:-}"); shift 2 ;;
        --warmup) warmup=$(int_arg "$1" "${2:-}"); shift 2 ;;
        --processes) processes=$(int_arg "$1" "${2:-}"); shift 2 ;;
        --tcp-connections) tcp_connections=$(int_arg "$1" "${2:-}"); shift 2 ;;
        --udp) udp=$(int_arg "$1" "${2:-}"); shift 2 ;;
        --unix) unix=$(int_arg "$1" "${2:-}"); shift 2 ;;
        --strict) strict=1; shift ;;
        -h|--help) usage 0 ;;
        *) log "unknown argument '$1'"; usage 2 ;;
    esac
done
((runs >= 1)) || die "--runs must be at least 1"
((processes >= 1)) || die "--processes must be at least 1"
if [[ -n $out ]]; then
    out_dir=$(dirname -- "$out")
    [[ -d $out_dir ]] || die "directory of --out does not exist: $out_dir"
fi

# --- cleanup: runs on every exit path, stops and reaps the workload -----------------------------------------
work_dir=$(mktemp -d "${TMPDIR:-/tmp}/socket-agent-bench.XXXXXX")

# WORKLOAD_CONTAINERS=1: the cgroups made for the workload's processes, removed (deepest first) after it stopped.
container_cgroups=()
containerise_workload() {
    local mounts pid i=0 id root
    mounts=$(awk '$3 == "cgroup2" || ($3 == "cgroup" && $4 ~ /name=systemd/) { print $2 }' /proc/mounts)
    for pid in $workload_children; do
        id=$(printf '%064x' "$((0x5a00 + i))")
        for root in $mounts; do
            mkdir -p "$root/socket-agent-bench-$$/docker/$id"
            container_cgroups+=("$root/socket-agent-bench-$$/docker/$id")
            echo "$pid" > "$root/socket-agent-bench-$$/docker/$id/cgroup.procs"
        done
        i=$((i + 1))
    done
    for root in $mounts; do container_cgroups+=("$root/socket-agent-bench-$$/docker" "$root/socket-agent-bench-$$"); done
    log "workload: $i processes moved into Docker-like cgroups"
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_workload
    local cg
    for cg in "${container_cgroups[@]}"; do rmdir "$cg" 2>/dev/null || true; done
    rm -rf -- "$work_dir"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- tools ----------------------------------------------------------------------------------------------------
apt_updated=0
ensure_tool() { # ensure_tool PATH-OR-COMMAND DEBIAN-PACKAGE
    local tool=$1 package=$2
    if [[ $tool == /* ]]; then [[ -x $tool ]] && return 0; else command -v "$tool" >/dev/null && return 0; fi
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
        log "installing $package (for $tool)"
        if ((apt_updated == 0)); then
            apt-get update -qq >&2 || die "apt-get update failed"
            apt_updated=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >&2 || die "could not install $package"
    else
        die "$tool not found: install the Debian package '$package'"
    fi
}
ensure_tool ss iproute2
ensure_tool netstat net-tools
ensure_tool /usr/bin/time time
ensure_tool pgrep procps
[[ $EUID -eq 0 ]] || log "warning: not root; ss/netstat -p see only this user's processes"

# --- build ----------------------------------------------------------------------------------------------------
if [[ -n ${SOCKET_AGENT_BIN:-} ]]; then
    agent_bin=$SOCKET_AGENT_BIN
else
    publish_native src/SocketAgent/SocketAgent.csproj "$artifacts/socket-agent"
    agent_bin="$artifacts/socket-agent/socket-agent"
fi
[[ -x $agent_bin ]] || die "socket-agent binary not found or not executable: $agent_bin"
workload_bin=$(workload_binary) || exit 1

# --- workload -------------------------------------------------------------------------------------------------
check_workload_limits
start_workload "$workload_bin" "socket-agent-bench-$$"
[[ ${WORKLOAD_CONTAINERS:-0} == 1 ]] && containerise_workload

ss_total=$(ss -tuaxnH | wc -l)
# ss prints the command name cut to 15 characters: "SocketAgent.Wor".
ss_workload_owned=$(ss -tuaxnpH | grep -c '"SocketAgent.Wor"' || true)
((ss_workload_owned >= workload_sockets)) ||
    die "ss attributes only $ss_workload_owned sockets to the workload, expected $workload_sockets"

# --- timing ---------------------------------------------------------------------------------------------------
read -r -a agent_args <<<"${SOCKET_AGENT_ARGS:---once}"
names=("socket-agent ${agent_args[*]}" "ss -tuaxnp" "netstat -tuaxnp" "ss -tuaxn")
if [[ -n ${BASELINE_BIN:-} ]]; then
    [[ -x $BASELINE_BIN ]] || die "BASELINE_BIN is not an executable: $BASELINE_BIN"
    names+=("baseline ${agent_args[*]}")
fi
count=${#names[@]}

# invoke I: runs command I once with stdout discarded; our workload pipe fds are closed for it.
invoke() {
    local err="$work_dir/stderr.$1"
    case $1 in
        0) "$agent_bin" "${agent_args[@]}" >/dev/null 2>"$err" {workload_in}>&- {workload_out}<&- ;;
        1) ss -tuaxnp >/dev/null 2>"$err" {workload_in}>&- {workload_out}<&- ;;
        2) netstat -tuaxnp >/dev/null 2>"$err" {workload_in}>&- {workload_out}<&- ;;
        3) ss -tuaxn >/dev/null 2>"$err" {workload_in}>&- {workload_out}<&- ;;
        4) "$BASELINE_BIN" "${agent_args[@]}" >/dev/null 2>"$err" {workload_in}>&- {workload_out}<&- ;;
    esac
}

fail_command() {
    head -c 2000 "$work_dir/stderr.$1" >&2 || true
    die "'${names[$1]}' failed (exit $2; stderr above)"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "warm-up: $warmup run(s) of each command"
for ((w = 0; w < warmup; w++)); do
    for ((i = 0; i < count; i++)); do
        invoke "$i" || fail_command "$i" "$?"
    done
done

log "timing: $runs rounds; each round runs every command once, starting with a different one"
for ((r = 0; r < runs; r++)); do
    for ((k = 0; k < count; k++)); do
        i=$(( (r + k) % count ))
        t0=$EPOCHREALTIME
        invoke "$i" || fail_command "$i" "$?"
        t1=$EPOCHREALTIME
        echo $(( ${t1/./} - ${t0/./} )) >>"$work_dir/times.$i" # microseconds
    done
done

# stats FILE -> "median min mean max" in ms
stats() {
    sort -n "$1" | awk '{ v[NR] = $1; sum += $1 }
        END { med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
              printf "%.1f %.1f %.1f %.1f\n", med / 1000, v[1] / 1000, sum / NR / 1000, v[NR] / 1000 }'
}
declare -a median min mean max
for ((i = 0; i < count; i++)); do
    read -r "median[i]" "min[i]" "mean[i]" "max[i]" < <(stats "$work_dir/times.$i")
done

# --- memory ---------------------------------------------------------------------------------------------------
# peak_rss_kib I: largest maximum resident set size of 3 runs of command I
peak_rss_kib() {
    local peak=0 value _
    for _ in 1 2 3; do
        case $1 in
            0) /usr/bin/time -f %M -o "$work_dir/rss" "$agent_bin" "${agent_args[@]}" >/dev/null 2>"$work_dir/stderr.0" {workload_in}>&- {workload_out}<&- ;;
            1) /usr/bin/time -f %M -o "$work_dir/rss" ss -tuaxnp >/dev/null 2>"$work_dir/stderr.1" {workload_in}>&- {workload_out}<&- ;;
            2) /usr/bin/time -f %M -o "$work_dir/rss" netstat -tuaxnp >/dev/null 2>"$work_dir/stderr.2" {workload_in}>&- {workload_out}<&- ;;
            4) /usr/bin/time -f %M -o "$work_dir/rss" "$BASELINE_BIN" "${agent_args[@]}" >/dev/null 2>"$work_dir/stderr.4" {workload_in}>&- {workload_out}<&- ;;
        esac || fail_command "$1" "$?"
        value=$(tail -n 1 "$work_dir/rss")
        ((value > peak)) && peak=$value
    done
    echo "$peak"
}
log "measuring peak RSS"
rss_agent=$(peak_rss_kib 0)
rss_ss=$(peak_rss_kib 1)
rss_netstat=$(peak_rss_kib 2)
[[ -n ${BASELINE_BIN:-} ]] && rss_baseline=$(peak_rss_kib 4)
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# --- output size ----------------------------------------------------------------------------------------------
"$agent_bin" "${agent_args[@]}" >"$work_dir/agent.out" 2>"$work_dir/stderr.0" {workload_in}>&- {workload_out}<&- ||
    fail_command 0 "$?"
ss_sockets=$(ss -tuaxnH | wc -l)
ss_sockets_raw=$(ss -tuwaxnH | wc -l)
netstat_sockets=$(netstat -tuaxn 2>/dev/null | grep -cE '^(tcp|tcp6|udp|udp6|unix) ' || true)
agent_lines=$(wc -l <"$work_dir/agent.out")
agent_objects=$(grep -c '^{.*}$' "$work_dir/agent.out" || true)
if command -v jq >/dev/null; then
    if jq -e 'type == "object"' "$work_dir/agent.out" >/dev/null 2>&1; then json_valid=yes; else json_valid=no; fi
else
    json_valid="not checked (no jq)"
fi

# --- report ---------------------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
ratio_ss=$(ratio "${median[0]}" "${median[1]}")
ratio_netstat=$(ratio "${median[0]}" "${median[2]}")
pass_time=$(awk -v r="$ratio_ss" -v t="$target_ratio" 'BEGIN { print (r <= t) ? "PASS" : "FAIL" }')
pass_rss=$(awk -v k="$rss_agent" -v t="$target_rss_mib" 'BEGIN { print (k <= t * 1024) ? "PASS" : "FAIL" }')
# A fast binary that prints nothing is no result: the output must cover (nearly) every socket ss sees.
# The margin allows for sockets opened or closed between the two runs; raw and netlink sockets may add lines.
pass_output=$(awk -v n="$agent_objects" -v s="$ss_sockets" 'BEGIN { print (n >= 0.98 * s) ? "PASS" : "FAIL" }')
overall=PASS
[[ $pass_time == PASS && $pass_rss == PASS && $pass_output == PASS ]] || overall=FAIL

commit=$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo unknown)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)

report="$work_dir/report.md"
{
    echo "## socket-agent benchmark"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), commit \`$commit\`, kernel $(uname -r), ${cpu:-unknown CPU}, $(nproc) cores."
    echo "Load average before the runs: $load_before. Binary: \`$agent_bin\`. Open-files limit $hard_nofile, ip_local_port_range $port_low-$port_high, somaxconn $somaxconn."
    echo
    echo "Workload: $processes processes, $tcp_connections loopback TCP connections, $udp UDP sockets, $unix UNIX pairs:"
    echo "$workload_sockets sockets, set up in $setup_ms ms (process start included). ss sees $ss_total sockets"
    echo "(TCP, UDP, UNIX; $sockets_before before the workload), $ss_workload_owned of them owned by workload processes."
    echo
    echo "Wall time, $runs interleaved runs after $warmup warm-up run(s) each, stdout to /dev/null:"
    echo
    echo "| Command | median ms | min ms | mean ms | max ms | median vs \`ss -tuaxnp\` |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: |"
    for ((i = 0; i < count; i++)); do
        echo "| \`${names[i]}\` | ${median[i]} | ${min[i]} | ${mean[i]} | ${max[i]} | $(ratio "${median[i]}" "${median[1]}")× |"
    done
    echo
    echo "Peak RSS (largest of 3 runs, \`/usr/bin/time -f %M\`): \`${names[0]}\` $(mib "$rss_agent") MiB,"
    echo "\`ss -tuaxnp\` $(mib "$rss_ss") MiB, \`netstat -tuaxnp\` $(mib "$rss_netstat") MiB."
    if [[ -n ${BASELINE_BIN:-} ]]; then
        echo
        echo "Before/after: \`${names[0]}\` median ${median[0]} ms against the baseline (\`$BASELINE_BIN\`) ${median[4]} ms in the"
        echo "same rounds: $(ratio "${median[0]}" "${median[4]}")× its time; peak RSS $(mib "$rss_agent") against $(mib "$rss_baseline") MiB."
    fi
    echo
    echo "Output: \`${names[0]}\` printed $agent_lines lines ($agent_objects look like JSON objects; all valid JSON objects: $json_valid)."
    echo "At the same time \`ss -tuaxn\` listed $ss_sockets sockets (\`ss -tuwaxn\` with raw: $ss_sockets_raw), \`netstat -tuaxn\` $netstat_sockets."
    echo
    echo "| Target | Measured | Result |"
    echo "| --- | --- | --- |"
    echo "| \`${names[0]}\` median ≤ $target_ratio × \`ss -tuaxnp\` | ${ratio_ss}× | $pass_time |"
    echo "| peak RSS ≤ $target_rss_mib MiB | $(mib "$rss_agent") MiB | $pass_rss |"
    echo "| JSON objects ≥ 98% of the sockets \`ss -tuaxn\` lists | $agent_objects of $ss_sockets | $pass_output |"
    echo "| (info) vs \`netstat -tuaxnp\` | ${ratio_netstat}× | |"
    echo
    echo "Overall: **$overall**"
} >"$report"

cat "$report"
if [[ -n $out ]]; then
    cp -- "$report" "$out"
    log "report written to $out"
fi

if ((strict)) && [[ $overall != PASS ]]; then
    exit 3
fi
