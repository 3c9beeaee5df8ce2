#!/usr/bin/env bash
# Runs every test: sets the machine up (installs docker.io and debootstrap, starts dockerd, builds
# the images; fails with the reason if any of that fails), then the whole NUnit suite, end-to-end
# tests against real Docker + CRIU included. Extra arguments go to `dotnet test`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export PATH="/usr/sbin:/usr/bin:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
setup_out=$(bash "$repo/scripts/setup.sh") || { echo "test.sh: machine setup failed (see above); no test can run" >&2; exit 1; }
eval "$setup_out"
export FEDERATION_RUNTIME_IMAGE FEDERATION_TESTAPP_IMAGE FEDERATION_REGISTRY FEDERATION_REGISTRY_CA
dotnet build "$repo/Federation.sln" -nologo -v quiet
# One test project at a time: the end-to-end suites share two cores and one dockerd.
exec dotnet test "$repo/Federation.sln" --no-build -nologo -m:1 --logger "console;verbosity=normal" "$@"
