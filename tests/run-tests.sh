#!/usr/bin/env bash
# Installs what the test suite needs on a Debian/Ubuntu machine that has the .NET 10 SDK, then runs every test.
# The integration tests use the real kernel and compare with the real tools: ss (iproute2), netstat (net-tools),
# python3 (child processes holding sockets); node and npm fetch the ECS definitions. They run as root in CI (network namespaces, other users' /proc).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v ss >/dev/null 2>&1 || need+=(iproute2)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v netstat >/dev/null 2>&1 || need+=(net-tools)
[ -x /usr/bin/python3 ] || need+=(python3)
command -v jq >/dev/null 2>&1 || need+=(jq)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
# The ECS conformance test fetches Elastic's ECS definitions (@elastic/ecs, pinned) with npm and reads them with node.
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
# Native AOT links with clang or gcc.
{ command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1; } || need+=(clang)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
# The eBPF source: clang compiles the BPF C program in `dotnet build` against libbpf's headers and a vmlinux.h that
# bpftool dumps; llvm-strip drops its DWARF; libbpf1 loads it at run time.
command -v clang >/dev/null 2>&1 || need+=(clang)
command -v llvm-strip >/dev/null 2>&1 || need+=(llvm)
[ -e /usr/include/bpf/bpf_helpers.h ] || need+=(libbpf-dev)
command -v bpftool >/dev/null 2>&1 || need+=(bpftool)
# The telemetry tests read the agent's metrics with parsers of their own: Prometheus scrapes with prometheus_client,
# OTLP/HTTP protobuf requests with the vendored OTLP .proto files, compiled by protoc to Python (python3-protobuf).
command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler)
/usr/bin/python3 -c 'import google.protobuf' >/dev/null 2>&1 || need+=(python3-protobuf)
/usr/bin/python3 -c 'import prometheus_client' >/dev/null 2>&1 || need+=(python3-prometheus-client)
# socket-agent map --format svg renders with Graphviz's dot; its test is skipped (saying why) without it.
command -v dot >/dev/null 2>&1 || need+=(graphviz)
# Container names: the tests run a Docker Engine of their own (own socket and roots) on an image imported from a
# static busybox (no registry needed); they start and stop it themselves.
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
# The image test (DockerfileTests) builds the project's image on that engine from local Debian bookworm bases that
# build/docker-local-bases.sh makes with debootstrap (no registry is reachable), then runs it.
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  echo "run-tests: installing ${need[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Each test project runs on its own, so that its exit code is its own, and a run only counts when the test process
# demonstrably finished: dotnet test's exit code is 0, its summary is there, the number of tests that ran (passed,
# failed or skipped) is not lower than the number the assembly lists (xunit's -list), and nothing in the output says
# the test host crashed or aborted. A test process killed by librdkafka's abort (exit 134) once looked like a
# shorter, green run.
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT
failures=()
passed=0 failed=0 skipped=0
projects=(SocketAgent.Core.Tests SocketAgent.Tests)

dotnet build SocketAgent.sln -c Release 2>&1 | tee "$log/build"
[ "${PIPESTATUS[0]}" -eq 0 ] || failures+=("the build failed")

set +e
for name in "${projects[@]}"; do
  [ ${#failures[@]} -eq 0 ] || [ "${failures[0]}" != "the build failed" ] || break
  # xunit v3 test projects are executables; -list tests prints one fully qualified name per test case.
  discovered=$("tests/$name/bin/Release/net10.0/$name" -list tests | grep -c '^SocketAgent\.')
  dotnet test --project "tests/$name/$name.csproj" -c Release --no-build -- --minimum-expected-tests "$discovered" 2>&1 | tee "$log/$name"
  code=${PIPESTATUS[0]}
  # The per-run summary ("Test run summary: ...", then "  total: N" ...): the first block after that heading.
  read -r total ok bad skip < <(awk '/^Test run summary/ { s = 1 } s && /^  total:/ { t = $2 } s && /^  failed:/ { f = $2 }
      s && /^  succeeded:/ { p = $2 } s && /^  skipped:/ { k = $2; print t, p, f, k; exit }' "$log/$name")
  passed=$((passed + ${ok:-0})); failed=$((failed + ${bad:-0})); skipped=$((skipped + ${skip:-0}))
  [ "$code" -eq 0 ] || failures+=("$name: dotnet test exited $code")
  [ -n "${total:-}" ] || failures+=("$name: no test run summary (the test process died?)")
  [ "${total:-0}" -ge "$discovered" ] || failures+=("$name: ${total:-0} tests ran of $discovered discovered")
  if grep -Eiq 'test host process crashed|host process exited|exited with error|test session aborted|aborted|exit code:? 134|SIGABRT|Fatal error\.|Process terminated|core dumped' "$log/$name"; then
    failures+=("$name: the output reports a crashed or aborted test process: $(grep -Eio 'test host process crashed|host process exited[^.]*|exited with error[^.]*|test session aborted|aborted|exit code:? 134|SIGABRT|Fatal error\.|Process terminated|core dumped' "$log/$name" | sort -u | tr '\n' ';')")
  fi
  unset total ok bad skip
done

# The shipped artifact is the native binary: build it and check it too, including delivery into the Kafka mock
# cluster (Confluent.Kafka's native bindings are what trimming could break).
if [ ${#failures[@]} -eq 0 ] || [ "${failures[0]}" != "the build failed" ]; then
  if tests/aot-check.sh artifacts/aot; then
    SOCKET_AGENT_BIN="$PWD/artifacts/aot/socket-agent" dotnet test --project tests/SocketAgent.Tests/SocketAgent.Tests.csproj \
      -c Release --no-build -- --filter-class "SocketAgent.Tests.Daemon.KafkaDeliveryTests" --minimum-expected-tests 1 2>&1 | tee "$log/aot"
    aot=${PIPESTATUS[0]}
    # correlate's exactly-once output: Confluent.Kafka's transactional calls through the trimmed binary.
    SOCKET_AGENT_BIN="$PWD/artifacts/aot/socket-agent" dotnet test --project tests/SocketAgent.Tests/SocketAgent.Tests.csproj \
      -c Release --no-build -- --filter-method "*With_output_kafka_members_joining_and_leaving*" --minimum-expected-tests 1 2>&1 | tee -a "$log/aot"
    [ "${PIPESTATUS[0]}" -eq 0 ] || aot=1
    echo "aot-kafka: native binary delivery tests exit $aot"
    [ "$aot" -eq 0 ] || failures+=("native binary Kafka delivery tests exited $aot")
  else
    failures+=("tests/aot-check.sh failed")
  fi
fi
set -e

# One plain closing line for CI readers.
if [ ${#failures[@]} -eq 0 ]; then
  echo "run-tests: PASSED: $passed passed, $failed failed, $skipped skipped"
  exit 0
fi
for f in "${failures[@]}"; do
  echo "run-tests: FAILURE: $f" >&2
done
echo "run-tests: FAILED: $passed passed, $failed failed, $skipped skipped; ${#failures[@]} problem(s) above" >&2
exit 1
