# Sourced by the correlate benchmarks: librdkafka's mock cluster (tests/SocketAgent.MockKafkaHost, 3 brokers) in its
# own process (librdkafka aborts the process its brokers live in on some errors), driven on stdin. It destroys the
# cluster and exits when its stdin closes, i.e. when the sourcing script ends in any way.
#   mock_start   builds and starts it; sets bootstrap and mock_pid
#   topic NAME   creates NAME with 6 partitions, replication factor 3
mock_start() {
  dotnet build -c Release -v q -nologo tests/SocketAgent.MockKafkaHost >/dev/null
  coproc MOCK { exec dotnet tests/SocketAgent.MockKafkaHost/bin/Release/net10.0/SocketAgent.MockKafkaHost.dll 3; }
  mock_pid=$MOCK_PID
  local word
  read -r -u "${MOCK[0]}" word bootstrap
  [ "$word" = bootstrap ] || { echo "mock host said: $word $bootstrap" >&2; exit 1; }
}

topic() {
  echo "topic $1 6 3" >&"${MOCK[1]}"
  local answer
  read -r -u "${MOCK[0]}" answer
  [ "$answer" = ok ] || { echo "mock host: $answer" >&2; exit 1; }
}
