#!/usr/bin/env bash
# Whole-host collection cost: times `socket-agent --once --netns all` over N extra network namespaces (default 50),
# each holding a few sockets (a TCP listener, a connection both ways, a UDP socket), against `socket-agent --once`
# of the agent's own namespace, in one run, interleaved. Target (issue "Whole-host state"): the all-namespaces run
# stays under 2x the single-namespace time plus a few ms (3 ms here) per namespace. Needs root (ip netns).
#
# Usage: tests/benchmarks/run-netns-benchmark.sh [--namespaces N] [--runs N] [--out FILE]
# Environment: SOCKET_AGENT_BIN (skip the AOT publish, time this binary).
set -euo pipefail
export LC_ALL=C

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd -- "$script_dir/../.." && pwd)
namespaces=50
runs=10
out=""
per_ns_budget_ms=3

log() { printf '[netns-bench] %s\n' "$*" >&2; }
die() { printf '[netns-bench] error: %s\n' "$*" >&2; exit 1; }

while (($#)); do
    case $1 in
        --namespaces) namespaces=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        -h|--help) sed -n '2,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument '$1'" ;;
    esac
done
[[ $namespaces =~ ^[0-9]+$ && $runs =~ ^[0-9]+$ ]] || die "--namespaces and --runs take whole numbers"
(( $(id -u) == 0 )) || die "needs root to create network namespaces"

prefix="sa-bench-$$"
holder_pid=""
cleanup() {
    if [[ -n $holder_pid ]]; then kill "$holder_pid" 2>/dev/null || true; wait "$holder_pid" 2>/dev/null || true; fi
    for ((i = 0; i < namespaces; i++)); do ip netns del "$prefix-$i" 2>/dev/null || true; done
}
trap cleanup EXIT

bin=${SOCKET_AGENT_BIN:-}
if [[ -z $bin ]]; then
    bin="$repo_root/artifacts/benchmark/socket-agent"
    log "publishing the native binary to $(dirname "$bin")"
    dotnet publish "$repo_root/src/SocketAgent/SocketAgent.csproj" -c Release -r linux-x64 -p:PublishAot=true \
        -o "$(dirname "$bin")" >/dev/null
fi
[[ -x $bin ]] || die "no executable at $bin"

log "creating $namespaces namespaces"
for ((i = 0; i < namespaces; i++)); do
    ip netns add "$prefix-$i"
    ip -n "$prefix-$i" link set lo up
done

# One python process opens a few sockets inside every namespace (setns on its only thread, then back): sockets
# stay in the namespace they were created in.
fifo=$(mktemp -u); mkfifo "$fifo"
python3 - "$prefix" "$namespaces" >"$fifo" <<'PY' &
import ctypes, os, socket, sys, time
libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
own = os.open("/proc/self/ns/net", os.O_RDONLY)
held = []
for i in range(int(sys.argv[2])):
    fd = os.open(f"/run/netns/{sys.argv[1]}-{i}", os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), "setns")
    listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen()
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("127.0.0.1", 0))
    held += [listener, client, server, udp]
    os.close(fd)
libc.setns(own, CLONE_NEWNET)
print("READY", len(held), flush=True)
time.sleep(3600)
PY
holder_pid=$!
read -r ready count <"$fifo"; rm -f "$fifo"
[[ $ready == READY ]] || die "socket holder did not start"
log "$count sockets in $namespaces namespaces"

time_ms() { local s e; s=$EPOCHREALTIME; "$@" >/dev/null 2>&1; e=$EPOCHREALTIME; echo "($e - $s) * 1000" | bc -l; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

"$bin" --once >/dev/null 2>&1 || die "$bin --once failed"
"$bin" --once --netns all >/dev/null 2>&1 || die "$bin --once --netns all failed (a binary without --netns?)"   # also warm-up
host_times=(); all_times=()
for ((r = 0; r < runs; r++)); do
    host_times+=("$(time_ms "$bin" --once)")
    all_times+=("$(time_ms "$bin" --once --netns all)")
done
host=$(printf '%s\n' "${host_times[@]}" | median)
all=$(printf '%s\n' "${all_times[@]}" | median)
lines_all=$("$bin" --once --netns all 2>/dev/null | wc -l)
seen=$("$bin" --once --netns all 2>/dev/null | jq -r 'select(.event.dataset=="socket") | .netns.name // empty' | grep -c "^$prefix-" || true)
budget=$(echo "2 * $host + $per_ns_budget_ms * $namespaces" | bc -l)
per_ns=$(echo "($all - $host) / $namespaces" | bc -l)
verdict=$(echo "$all <= $budget" | bc -l)

report=$(cat <<MD
## socket-agent --netns all benchmark

$(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $(nproc) cores. $namespaces extra namespaces, $count sockets in them
($seen socket lines tagged with them in one --netns all run, $lines_all lines in all).

| command | median ms ($runs runs, interleaved) |
| --- | ---: |
| \`socket-agent --once\` (agent's namespace) | $(printf '%.1f' "$host") |
| \`socket-agent --once --netns all\` ($((namespaces + 1))+ namespaces) | $(printf '%.1f' "$all") |

Cost per extra namespace: $(printf '%.2f' "$per_ns") ms. Budget 2 x single + $per_ns_budget_ms ms x $namespaces = $(printf '%.1f' "$budget") ms:
**$( ((verdict)) && echo PASS || echo FAIL )**.
MD
)
printf '%s\n' "$report"
[[ -z $out ]] || printf '%s\n' "$report" >"$out"
