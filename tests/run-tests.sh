#!/usr/bin/env bash
# Installs what the test suite needs on a Debian/Ubuntu machine that has the .NET 10 SDK, then runs every test.
# The integration tests use the real kernel and compare with the real tools: ss (iproute2), netstat (net-tools),
# python3 (child processes holding sockets). They run as root in CI (network namespaces, other users' /proc).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ss >/dev/null 2>&1 || need+=(iproute2)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v netstat >/dev/null 2>&1 || need+=(net-tools)
[ -x /usr/bin/python3 ] || need+=(python3)
command -v jq >/dev/null 2>&1 || need+=(jq)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
# Native AOT links with clang or gcc.
{ command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1; } || need+=(clang)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
# The eBPF source: clang compiles the BPF C program in `dotnet build` against libbpf's headers and a vmlinux.h that
# bpftool dumps; llvm-strip drops its DWARF; libbpf1 loads it at run time.
command -v clang >/dev/null 2>&1 || need+=(clang)
command -v llvm-strip >/dev/null 2>&1 || need+=(llvm)
[ -e /usr/include/bpf/bpf_helpers.h ] || need+=(libbpf-dev)
command -v bpftool >/dev/null 2>&1 || need+=(bpftool)
if [ ${#need[@]} -gt 0 ]; then
  echo "run-tests: installing ${need[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

log="$(mktemp)"
trap 'rm -f "$log" "$log.aot"' EXIT
set +e
dotnet test --solution SocketAgent.sln -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The shipped artifact is the native binary: build it and check it too, including delivery into the Kafka mock
# cluster (Confluent.Kafka's native bindings are what trimming could break).
tests/aot-check.sh artifacts/aot
aot=$?
if [ "$aot" -eq 0 ]; then
  SOCKET_AGENT_BIN="$PWD/artifacts/aot/socket-agent" dotnet test --project tests/SocketAgent.Tests/SocketAgent.Tests.csproj \
    -c Release --no-build -- --filter-class "SocketAgent.Tests.Daemon.KafkaDeliveryTests" 2>&1 | tee "$log.aot"
  aot=${PIPESTATUS[0]}
  echo "aot-kafka: native binary delivery tests exit $aot"
fi
set -e
[ "$status" -ne 0 ] || status=$aot

# One plain closing line for CI readers: "N passed, N failed, N skipped" (summed over test projects).
awk '/^  total:/{t+=$2} /^  failed:/{f+=$2} /^  succeeded:/{p+=$2} /^  skipped:/{s+=$2}
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
