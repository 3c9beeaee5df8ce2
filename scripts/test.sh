#!/usr/bin/env bash
# Runs every test: sets the machine up (installs docker.io and debootstrap, starts dockerd, builds
# the images, runs the registry; fails with the reason if any of that fails), then the whole NUnit
# suite, end-to-end tests against real Docker + CRIU included. Extra arguments go to every `dotnet test`.
#
# Two lanes run side by side, one test run at a time each: the coordinator's suite (the longest), and
# every other test project after two victims of the coordinator's fault matrix (about 6 minutes,
# moved there so that the lanes end together; run under a Docker name prefix of their own). Each run
# names what it makes in Docker with its own prefix, so the lanes leave each other alone. Every line
# is prefixed with its lane; the run fails when either lane fails, and the end of the output lists
# each failed test with the start of its message.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export PATH="/usr/sbin:/usr/bin:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
setup_out=$(bash "$repo/scripts/setup.sh") || { echo "test.sh: machine setup failed (see above); no test can run" >&2; exit 1; }
eval "$setup_out"
export FEDERATION_RUNTIME_IMAGE FEDERATION_TESTAPP_IMAGE FEDERATION_REDIS_IMAGE FEDERATION_REGISTRY FEDERATION_REGISTRY_CA
dotnet build "$repo/Federation.sln" -nologo -v quiet

coordinator="$repo/tests/Coordinator.Tests/Federation.Coordinator.Tests.csproj"
mapfile -t others < <(find "$repo/tests" -mindepth 2 -maxdepth 2 -name '*.csproj' | sort | while read -r project; do
  [ "$project" = "$coordinator" ] && continue
  grep -q '<IsTestProject>true</IsTestProject>' "$project" && echo "$project"
done)

lane_logs=$(mktemp -d /tmp/federation-test-lanes.XXXXXX)
trap 'rm -rf "$lane_logs"' EXIT
run_tests() { # lane project [dotnet test arguments...]
  local lane=$1 project=$2
  shift 2
  dotnet test "$project" --no-build -nologo --logger "console;verbosity=normal" "$@" "${test_args[@]}" 2>&1 \
    | sed -u "s/^/[$lane] /" | tee -a "$lane_logs/$lane.log"
}

# The fault matrix's victims that run in the other lane (when no extra arguments choose tests).
moved=(Destination_runtime_killed_at_every_phase Source_coordinator_killed_at_every_phase)
coordinator_lane() {
  if [ ${#test_args[@]} -gt 0 ]; then run_tests coordinator "$coordinator"; return; fi
  run_tests coordinator "$coordinator" --filter "Name!=${moved[0]}&Name!=${moved[1]}"
}
others_lane() {
  local failed=0
  if [ ${#test_args[@]} -eq 0 ]; then
    FEDTEST_CLUSTER_PREFIX=fedtest-fm run_tests others "$coordinator" --filter "Name=${moved[0]}|Name=${moved[1]}" || failed=1
  fi
  for project in "${others[@]}"; do run_tests others "$project" || failed=1; done
  return $failed
}

# Each failed test's name and the first lines of its error message, so that the end of the output says what failed.
failure_summary() { # lane
  awk -v lane="[$1]" '
    # NUnit: "  Failed <test name> [<duration>]"; the output of a test may hold lines like "  Failed   0 ms" (a phase).
    index($0, lane "   Failed ") == 1 && $0 ~ /Failed [^ ].* \[[^]]*\]$/ { shown = 0; printing = 1; print; next }
    index($0, lane "   Passed ") == 1 || index($0, lane "   Skipped ") == 1 || index($0, lane "   Stack Trace:") == 1 { printing = 0 }
    printing && $0 ~ /^\[[a-z]+\] +at / { next }
    printing && shown < 15 { print; shown++ }
  ' "$lane_logs/$1.log" 2>/dev/null
}

test_args=("$@")
started=$(date +%s)
coordinator_lane & coordinator_lane=$!
others_lane & others_lane=$!
status=0
wait $coordinator_lane || { status=1; echo "test.sh: the coordinator lane failed (lines prefixed [coordinator])" >&2; }
wait $others_lane || { status=1; echo "test.sh: the lane of the other projects failed (lines prefixed [others])" >&2; }
for lane in coordinator others; do
  summary=$(failure_summary "$lane")
  [ -n "$summary" ] && printf 'test.sh: failed in the %s lane:\n%s\n' "$lane" "$summary" >&2
done
echo "test.sh: both lanes done in $(( ($(date +%s) - started) / 60 )) min $(( ($(date +%s) - started) % 60 )) s; $([ $status -eq 0 ] && echo 'every test passed' || echo 'FAILED')"
exit $status
