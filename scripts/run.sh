#!/usr/bin/env bash
# The main job: sets the machine up (idempotent), then starts two local runtimes, runs the test app
# in one, moves it live to the other and prints the timings and the counter before and after.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export PATH="/usr/sbin:/usr/bin:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
eval "$(bash "$repo/scripts/setup.sh")"
dotnet build "$repo/tools/RuntimeDemo" -c Release -v quiet -nologo >/dev/null
exec dotnet "$repo/tools/RuntimeDemo/bin/Release/net10.0/Federation.RuntimeDemo.dll" \
  "$FEDERATION_RUNTIME_IMAGE" "$FEDERATION_TESTAPP_IMAGE" "$@"
