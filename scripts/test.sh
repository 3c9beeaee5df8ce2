#!/usr/bin/env bash
# Runs every test: sets the machine up (installs docker.io and debootstrap, starts dockerd, builds
# the images, runs the registry; fails with the reason if any of that fails), then the whole NUnit
# suite, end-to-end tests against real Docker + CRIU included. Extra arguments go to every `dotnet test`.
#
# Two lanes run side by side, each one project at a time: the coordinator's end-to-end suite (the
# longest, about 20 minutes) and every other test project. Each project names what it makes in
# Docker with its own prefix, so the lanes leave each other alone. Every line is prefixed with its
# lane; the run fails when either lane fails.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export PATH="/usr/sbin:/usr/bin:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
setup_out=$(bash "$repo/scripts/setup.sh") || { echo "test.sh: machine setup failed (see above); no test can run" >&2; exit 1; }
eval "$setup_out"
export FEDERATION_RUNTIME_IMAGE FEDERATION_TESTAPP_IMAGE FEDERATION_REGISTRY FEDERATION_REGISTRY_CA
dotnet build "$repo/Federation.sln" -nologo -v quiet

coordinator="$repo/tests/Coordinator.Tests/Federation.Coordinator.Tests.csproj"
mapfile -t others < <(find "$repo/tests" -mindepth 2 -maxdepth 2 -name '*.csproj' | sort | while read -r project; do
  [ "$project" = "$coordinator" ] && continue
  grep -q '<IsTestProject>true</IsTestProject>' "$project" && echo "$project"
done)

run_lane() { # name project...
  local lane=$1 failed=0
  shift
  for project in "$@"; do
    dotnet test "$project" --no-build -nologo --logger "console;verbosity=normal" "${test_args[@]}" 2>&1 | sed -u "s/^/[$lane] /" || failed=1
  done
  return $failed
}

test_args=("$@")
started=$(date +%s)
run_lane coordinator "$coordinator" & coordinator_lane=$!
run_lane others "${others[@]}" & others_lane=$!
status=0
wait $coordinator_lane || { status=1; echo "test.sh: the coordinator lane failed (lines prefixed [coordinator])" >&2; }
wait $others_lane || { status=1; echo "test.sh: the lane of the other projects failed (lines prefixed [others])" >&2; }
echo "test.sh: both lanes done in $(( ($(date +%s) - started) / 60 )) min $(( ($(date +%s) - started) % 60 )) s; $([ $status -eq 0 ] && echo 'every test passed' || echo 'FAILED')"
exit $status
