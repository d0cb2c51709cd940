#!/usr/bin/env bash
# Makes the two base images the Dockerfile needs, locally, for a Docker engine that reaches no image registry:
#   RUNTIME_IMAGE  Debian bookworm (debootstrap --variant=minbase from the apt mirror this machine uses, docker import)
#   SDK_IMAGE      that base + what the .NET SDK needs (ca-certificates libicu72 libssl3) + this machine's .NET SDK
#                  folder + this machine's extra CA certificates (so NuGet restore inside the build reaches NuGet the
#                  way this machine does) + NUGET_CERT_REVOCATION_MODE=offline
# then prints the build arguments that select them, one per line, on stdout (progress goes to stderr):
#   build/docker-local-bases.sh && DOCKER_BUILDKIT=0 docker build --network host -t socket-agent \
#     --build-arg SDK_IMAGE=socket-agent-local/sdk:10.0-bookworm --build-arg RUNTIME_IMAGE=socket-agent-local/debian:bookworm .
# (DOCKER_BUILDKIT=0: the classic builder; BuildKit would pull its Dockerfile frontend from a registry for the
# Dockerfile's `# syntax=` line. --network host: the build's RUN steps reach the mirror and NuGet as this machine does.)
# Both stages on bookworm: the Dockerfile's rule (build and run on the same release: the native binary needs a C
# library at least as new as the one it was linked against) holds. Where a registry is reachable, the Dockerfile's
# defaults (the .NET SDK's Ubuntu 24.04 image, ubuntu:24.04) need none of this.
# Idempotent: an image that already exists is left alone (delete it to remake it). Needs root (debootstrap), docker
# (DOCKER_HOST picks the engine, as for the docker CLI), debootstrap, and dotnet on PATH.
# Environment: RUNTIME_IMAGE, SDK_IMAGE (the names), MIRROR (default: the first Debian mirror of the apt sources).
set -euo pipefail

runtime_image="${RUNTIME_IMAGE:-socket-agent-local/debian:bookworm}"
sdk_image="${SDK_IMAGE:-socket-agent-local/sdk:10.0-bookworm}"
suite=bookworm

log() { echo "docker-local-bases: $*" >&2; }
exists() { docker image inspect "$1" >/dev/null 2>&1; }

# The mirror apt already uses here (deb822 "URIs:" or one-line "deb URL SUITE" entries that carry bookworm, not the
# security archive): it is reachable from this machine, a default mirror may not be.
apt_mirror() {
  local files=() f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  awk -v suite="$suite" '
    /^[[:space:]]*#/ { next }
    /^URIs:/ { uri = $2 }
    /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite && uri != "" && uri !~ /security/) { print uri; exit } }
    /^$/ { uri = "" }
    $1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i ~ /:\/\//) { if ($(i + 1) == suite && $i !~ /security/) { print $i; exit } break } }
  ' "${files[@]}" | head -n 1
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The work directory honours TMPDIR; the commands run inside the new root file system (chroot) must not look for it there.
unset TMPDIR
rootfs="$work/rootfs"

# Both images are made from a root file system on this machine and imported as one layer each: no build context of
# the SDK's 600 MB to send, no layer to diff.
if exists "$runtime_image"; then
  log "$runtime_image exists"
else
  mirror="${MIRROR:-$(apt_mirror)}"
  mirror="${mirror:-http://deb.debian.org/debian}"
  log "making $runtime_image: debootstrap $suite from $mirror"
  start=$SECONDS
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { cat "$work/debootstrap.log" >&2; exit 1; }
  # As in a registry's Debian image: apt keeps neither the downloaded packages nor its caches in a layer.
  printf '%s\n' \
    'DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };' \
    'APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };' \
    'Dir::Cache::pkgcache "";' 'Dir::Cache::srcpkgcache "";' >"$rootfs/etc/apt/apt.conf.d/docker-clean"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/*
  # docker import sets no environment: give the image the PATH a registry's Debian image has.
  tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]' \
    - "$runtime_image" >/dev/null
  log "$runtime_image made in $((SECONDS - start)) s"
fi

if exists "$sdk_image"; then
  log "$sdk_image exists"
else
  dotnet_dir="${DOTNET_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")}"
  [ -x "$dotnet_dir/dotnet" ] || { log "no .NET SDK found (dotnet on PATH or DOTNET_ROOT)"; exit 1; }
  log "making $sdk_image from $runtime_image, the SDK in $dotnet_dir and this machine's extra CA certificates"
  start=$SECONDS
  if [ ! -d "$rootfs" ]; then
    # The runtime image was there already: its file system, as it is.
    mkdir -p "$rootfs"
    container="$(docker create "$runtime_image" true)"
    docker export "$container" | tar -C "$rootfs" -x
    docker rm "$container" >/dev/null
  fi
  # The SDK's native dependencies, from the same mirror, through this machine's resolver and network.
  cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
  chroot "$rootfs" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates libicu72 libssl3' \
    >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; exit 1; }
  # The certificates this machine added to its trust store (update-ca-certificates reads them from there): behind a
  # proxy that re-signs TLS, NuGet inside the build trusts it only if the image trusts its CA too.
  if [ -d /usr/local/share/ca-certificates ]; then
    find /usr/local/share/ca-certificates -name '*.crt' -exec cp {} "$rootfs/usr/local/share/ca-certificates/" \;
  fi
  chroot "$rootfs" update-ca-certificates >"$work/ca.log" 2>&1 || { cat "$work/ca.log" >&2; exit 1; }
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin
  # Hard links where the SDK is on the same file system (no 600 MB copy), a copy otherwise.
  cp -al "$dotnet_dir" "$rootfs/usr/share/dotnet" 2>/dev/null || cp -a "$dotnet_dir" "$rootfs/usr/share/dotnet"
  ln -sf /usr/share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
  tar -C "$rootfs" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV DOTNET_ROOT=/usr/share/dotnet NUGET_CERT_REVOCATION_MODE=offline DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1' \
    --change 'CMD ["bash"]' - "$sdk_image" >/dev/null
  log "$sdk_image made in $((SECONDS - start)) s"
fi

echo "SDK_IMAGE=$sdk_image"
echo "RUNTIME_IMAGE=$runtime_image"
