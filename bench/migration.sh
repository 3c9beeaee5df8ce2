#!/usr/bin/env bash
# Downtime benchmark (issue 10): our live migration beside a UMS-style stop-and-copy (docker checkpoint create, rsync of the
# checkpoint directory, docker start --checkpoint) on two local Docker-host clusters, same machine, same run. Cases: headline
# 128 MiB at ~1 MiB/s, memory sweep, dirty-rate sweep, slow link; 5 repetitions each by default (the full run takes hours and
# needs a few GiB of memory; `--quick` is one headline run). Writes bench/results/migration.md and PNG plots. Not part of the
# tests. Extra arguments go to the benchmark, e.g. `bench/migration.sh --reps 3 --cases headline,memory --memory-mib 16,128`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export PATH="/usr/sbin:/usr/bin:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
setup_out=$(bash "$repo/scripts/setup.sh") || { echo "migration bench: machine setup failed (see above)" >&2; exit 1; }
eval "$setup_out"
export FEDERATION_RUNTIME_IMAGE FEDERATION_TESTAPP_IMAGE
dotnet build -c Release "$repo/src/CoordinatorHost/Federation.CoordinatorHost.csproj" -v q -nologo >/dev/null
dotnet build -c Release "$repo/bench/MigrationBench" -v q -nologo >/dev/null
cd "$repo"
exec dotnet bench/MigrationBench/bin/Release/net10.0/MigrationBench.dll "$@"
