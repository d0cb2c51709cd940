# socket-agent as a native AOT binary on a small base image.
# Build:  docker build -t socket-agent .
# Run:    docker run --rm --net=host --pid=host --cap-add SYS_PTRACE --cap-add DAC_READ_SEARCH socket-agent --once
#   --net=host: see the host's sockets (sock_diag and /proc/net only show the caller's network namespace)
#   --pid=host + SYS_PTRACE + DAC_READ_SEARCH: read other processes' /proc/<pid>/fd to name socket owners

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# The AOT linker needs a C toolchain; the same publish command runs in CI's build check and in the README.
RUN apt-get update && apt-get install -y --no-install-recommends clang zlib1g-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN dotnet publish src/SocketAgent/SocketAgent.csproj -c Release -r linux-x64 -p:PublishAot=true -o /out

FROM debian:12-slim
COPY --from=build /out/socket-agent /usr/local/bin/socket-agent
ENTRYPOINT ["/usr/local/bin/socket-agent"]
CMD ["--once"]
