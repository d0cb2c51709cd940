# syntax=docker/dockerfile:1
# socket-agent: the native AOT binary on a small Ubuntu base, run as a non-root user that holds exactly the
# measured capabilities through file capabilities (deploy/README.md, "Capabilities").
#
# Build:  docker build -t socket-agent .
# Run — the host's sockets with their processes, in every network namespace, events on stdout:
#   install -d -o 65532 -g 65532 -m 0750 /var/lib/socket-agent
#   docker run -d --name socket-agent --net=host --pid=host \
#     --cap-drop ALL --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH --cap-add SYS_ADMIN --cap-add BPF --cap-add PERFMON \
#     --security-opt apparmor=unconfined \
#     -v /var/lib/socket-agent:/var/lib/socket-agent -v /etc/socket-agent:/etc/socket-agent:ro \
#     socket-agent --config /etc/socket-agent/socket-agent.yaml --netns all --http-listen 127.0.0.1:9464
#   --net=host            sock_diag and /proc/net only show the caller's network namespace: the host's.
#   --pid=host            /proc shows every process of the host, so sockets can be named by their owners.
#   --cap-add (all five) the binary's file capabilities must all be in the bounding set, or the kernel refuses to
#                         run it ("operation not permitted"). BPF + PERFMON load the eBPF source's programs (without
#                         them, and without SYS_ADMIN, which implies both, the agent runs on netlink alone). Build with
#                         --build-arg FILE_CAPS=cap_dac_read_search,cap_sys_ptrace,cap_bpf,cap_perfmon=ep for an
#                         image that needs no SYS_ADMIN (then only the host's own namespace: --netns host).
#                         Docker 20.10 (Debian 12's docker.io) does not know BPF and PERFMON ("invalid CapAdd: unknown
#                         capability"): there build with
#                         --build-arg FILE_CAPS=cap_dac_read_search,cap_sys_ptrace,cap_sys_admin=ep and add only
#                         SYS_PTRACE, DAC_READ_SEARCH and SYS_ADMIN (for the kernel SYS_ADMIN implies BPF and PERFMON).
#   apparmor=unconfined   Docker's default AppArmor profile lets a container read only its own processes' fds.
#   Do not add --security-opt no-new-privileges: the kernel then ignores file capabilities (nothing attributed).

# .NET 10 ships no Debian SDK image (Ubuntu 24.04 is its default), and a native binary must run on a C library at
# least as new as the one it was linked against: build and run on the same Ubuntu release.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG RUNTIME_IMAGE=ubuntu:24.04

FROM ${SDK_IMAGE} AS build
# The native AOT linker needs a C toolchain and zlib's headers; the eBPF source's kernel side is compiled by clang
# against libbpf's headers and a vmlinux.h that bpftool dumps from the build host's BTF (llvm-strip drops DWARF).
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang llvm zlib1g-dev libbpf-dev bpftool \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY build/ build/
COPY src/ src/
# The same script CI runs (tests/aot-check.sh), so the tested binary and the shipped one are built alike.
RUN build/publish-aot.sh /out

# ubuntu:24.04 rather than a distroless base: the runtime stage needs setcap (file capabilities set in the stage
# that ships them, not carried through a COPY that may drop extended attributes), librdkafka's libsasl2 and
# ca-certificates (Kafka over TLS), and /bin/sh for the Kubernetes init container that owns the state directory.
FROM ${RUNTIME_IMAGE}
ARG RUNTIME_IMAGE
# The image label's default: Directory.Build.props' <Version> (tests/SocketAgent.Tests/Deployment/VersionTests.cs).
ARG VERSION=0.1.0
ARG REVISION=unknown
# Exactly the measured set (deploy/README.md): DAC_READ_SEARCH + SYS_PTRACE read other users' /proc/<pid>/fd,
# SYS_ADMIN enters network namespaces, BPF + PERFMON load and attach the eBPF source's tracing programs. Empty: no
# file capabilities (the process owners stay unknown and the source is netlink, unless run as root).
ARG FILE_CAPS=cap_dac_read_search,cap_sys_ptrace,cap_sys_admin,cap_bpf,cap_perfmon=ep

LABEL org.opencontainers.image.title="socket-agent" \
      org.opencontainers.image.description="Every socket of a Linux host with its process and command line, as JSON events to stdout, files or Kafka" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"

# The binary and librdkafka (Confluent.Kafka loads it from the binary's directory; the centos8 build is its
# fallback), not the debug symbols nor the musl build.
COPY --from=build /out/socket-agent /out/librdkafka.so /out/centos8-librdkafka.so /opt/socket-agent/

RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libsasl2-2 libbpf1 libcap2-bin \
 && if [ -n "$FILE_CAPS" ]; then setcap "$FILE_CAPS" /opt/socket-agent/socket-agent; fi \
 && apt-get purge -y libcap2-bin && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/* \
 && ln -s /opt/socket-agent/socket-agent /usr/local/bin/socket-agent \
 && mkdir -p /var/lib/socket-agent /etc/socket-agent \
 && chown 65532:65532 /var/lib/socket-agent && chmod 0750 /var/lib/socket-agent

# agent.id, event.sequence and the Kafka spool: keep them across container restarts and upgrades.
VOLUME ["/var/lib/socket-agent"]
USER 65532:65532
# /metrics and /healthz (the CMD turns the listener on, on loopback).
EXPOSE 9464
# Healthy once the first snapshot is out and the outputs are healthy or spooling within limits.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/socket-agent", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/socket-agent"]
# The daemon, events on stdout. Override with any option, e.g. `--once | jq`, or `--config FILE`.
CMD ["--http-listen", "127.0.0.1:9464"]
