#!/usr/bin/env bash
# The one command that builds the shipped artifact: the native AOT binary of the CLI (no .NET runtime needed on the
# target). CI (tests/aot-check.sh) and the Dockerfile's build stage both run this script, so the binary that is
# tested and the binary in the image are built the same way; a test checks that the Dockerfile calls it.
# Usage: build/publish-aot.sh [OUTPUT_DIR]   (default artifacts/aot). Needs clang or gcc, and zlib1g-dev.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-artifacts/aot}"
exec dotnet publish src/SocketAgent/SocketAgent.csproj -c Release -r linux-x64 -p:PublishAot=true -o "$out"
