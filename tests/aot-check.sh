#!/usr/bin/env bash
# Publishes the native AOT binary with build/publish-aot.sh (the script the Dockerfile's build stage runs too), fails
# on any trim/AOT warning,
# except exactly one: IL2104 for Confluent.Kafka (its native bindings are found by reflection, so the CLI roots the
# whole assembly with TrimmerRootAssembly; the trimmer still says it cannot vouch for it).
# Then checks the binary itself: --once prints valid JSON lines and exits 0, bad usage exits 2.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-artifacts/aot}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

build/publish-aot.sh "$out" 2>&1 | tee "$log"
# Each warning once (the SDK repeats them in its summary), minus the accepted one.
unexpected=$(grep -E "warning (IL|CS)[0-9]+" "$log" | sort -u | grep -v -E "warning IL2104: Assembly 'Confluent\.Kafka' produced trim warnings" || true)
if [ -n "$unexpected" ]; then
  echo "$unexpected" >&2
  echo "aot-check: FAIL: the native AOT publish printed warnings" >&2
  exit 1
fi

bin="$out/socket-agent"
[ -x "$bin" ] || { echo "aot-check: FAIL: $bin was not produced" >&2; exit 1; }

lines=$("$bin" --once | jq -c 'select(.event.dataset == "socket")' | wc -l)
[ "$lines" -gt 0 ] || { echo "aot-check: FAIL: --once printed no socket line" >&2; exit 1; }

set +e
"$bin" --no-such-flag >/dev/null 2>&1
usage=$?
set -e
[ "$usage" -eq 2 ] || { echo "aot-check: FAIL: bad usage exited $usage, expected 2" >&2; exit 1; }

# The eBPF source through the native binary (libbpf P/Invoke, the embedded object): as root, the daemon with
# --source ebpf must load it and say so in its heartbeat.
ebpf="not checked (not root)"
if [ "$(id -u)" -eq 0 ]; then
  state="$(mktemp -d)"
  set +e
  beat=$(timeout -s TERM 5 "$bin" --source ebpf --interval 200ms --heartbeat 1s --state-dir "$state" -t 2>"$state.err" \
    | jq -r 'select(.event.action == "heartbeat") | .heartbeat.source' | head -n 1)
  set -e
  err="$(cat "$state.err")"
  rm -rf "$state" "$state.err"
  [ "$beat" = "ebpf+netlink" ] || { echo "aot-check: FAIL: --source ebpf heartbeat source '$beat': $err" >&2; exit 1; }
  # The UDP release hook (a cgroup program) loads and attaches too: otherwise the daemon prints a notice.
  case "$err" in *"UDP flows end by"*) echo "aot-check: FAIL: the UDP release hook: $err" >&2; exit 1 ;; esac
  ebpf="loads (heartbeat source ebpf+netlink, UDP release hook attached)"
fi

echo "aot-check: OK: eBPF source $ebpf"
echo "aot-check: OK: native binary $(du -h "$bin" | cut -f1), --once printed $lines socket lines, bad usage exits 2"
