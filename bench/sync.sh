#!/usr/bin/env bash
# Sync module benchmark: ours vs rsync on loopback (throughput, delta bytes) and peak RSS of sender
# and receiver moving 1 GiB. Needs about 3 GiB free in the temp directory. Extra arguments go to the
# benchmark, e.g. `bench/sync.sh --size-mib 64 --big-mib 256` for a quick run.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v rsync >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync >/dev/null
fi
dotnet build -c Release bench/SyncBench -v q -nologo >/dev/null
exec dotnet bench/SyncBench/bin/Release/net10.0/SyncBench.dll "$@"
