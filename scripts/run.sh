#!/usr/bin/env bash
# The main job: two local clusters (two coordinators with the Docker-host adapter, one runtime each)
# on this machine; the test app is deployed in cluster a with a client reading it through its stable
# address; `fedctl migrate` moves it live to cluster b; prints the phase timings, the bytes per
# round, the client-visible gap and the counter before and after. Everything it starts is removed
# at the end. Options: PRECOPY_ROUNDS (2), APP_MIB (128), DIRTY_KIB (64), PORT_A (7401), PORT_B (7402).
# The two coordinators authenticate each other with a secret made here (peer-secret-a-b), and fedctl presents each
# coordinator's operator token (operator-token-a, -b, made by the coordinator beside its journal).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export PATH="/usr/sbin:/usr/bin:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
rounds=${PRECOPY_ROUNDS:-2}; mib=${APP_MIB:-128}; dirty=${DIRTY_KIB:-64}
port_a=${PORT_A:-7401}; port_b=${PORT_B:-7402}
prefix=fed-demo
work=$(mktemp -d /tmp/federation-demo.XXXXXX)
say() { printf '\n== %s\n' "$*"; }

setup_out=$(bash "$repo/scripts/setup.sh") || { echo "demo: machine setup failed (see above)" >&2; exit 1; }
eval "$setup_out"
say "building the coordinator and fedctl"
dotnet build "$repo/src/CoordinatorHost/Federation.CoordinatorHost.csproj" -nologo -v quiet >/dev/null
dotnet build "$repo/src/Cli/Federation.Cli.csproj" -nologo -v quiet >/dev/null
coordinator="$repo/src/CoordinatorHost/bin/Debug/net10.0/federation-coordinator.dll"
fedctl() { dotnet "$repo/src/Cli/bin/Debug/net10.0/fedctl.dll" --config "$work/fedctl.yaml" "$@"; }

pids=()
cleanup() {
  set +e
  [ -n "${client_pid:-}" ] && kill "$client_pid" 2>/dev/null
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  for c in $(docker ps -aq --filter "name=^${prefix}-"); do docker rm -f "$c" >/dev/null; done
  for v in $(docker volume ls -q --filter "name=^${prefix}-"); do docker volume rm -f "$v" >/dev/null; done
  for n in $(docker network ls --format '{{.Name}}' | grep "^${prefix}-"); do docker network rm "$n" >/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
cleanup_leftovers() { for c in $(docker ps -aq --filter "name=^${prefix}-"); do docker rm -f "$c" >/dev/null; done; }
cleanup_leftovers

# The secret clusters a and b share: 32 random bytes, readable by this user only.
peer_secret="$work/peer-secret-a-b"
(umask 077 && head -c 32 /dev/urandom | base64 | tr -d '\n' >"$peer_secret")

start_coordinator() { # name port peer peer_port
  dotnet "$coordinator" --cluster "$1" --port "$2" --journal "$work/$1/journal.db" --adapter docker \
    --runtime-image "$FEDERATION_RUNTIME_IMAGE" --name-prefix "$prefix" \
    "--Coordinator:Peers:$3=http://127.0.0.1:$4" --peer-secret "$3=$peer_secret" \
    --Logging:LogLevel:Default=Warning --Logging:LogLevel:Federation=Information \
    >"$work/$1.log" 2>&1 &
  pids+=($!)
}
say "starting cluster a (coordinator on 127.0.0.1:$port_a) and cluster b (127.0.0.1:$port_b)"
start_coordinator a "$port_a" b "$port_b"
start_coordinator b "$port_b" a "$port_a"
cat >"$work/fedctl.yaml" <<YAML
current-cluster: a
clusters:
  - name: a
    address: http://127.0.0.1:$port_a
    token-file: $work/a/operator-token-a
  - name: b
    address: http://127.0.0.1:$port_b
    token-file: $work/b/operator-token-b
YAML
for _ in $(seq 1 60); do fedctl workloads >/dev/null 2>&1 && fedctl -c b workloads >/dev/null 2>&1 && break; sleep 0.5; done
fedctl clusters

say "deploying the test app in cluster a (${mib} MiB, dirtying ${dirty} KiB every 10 ms)"
fedctl deploy default/counter --image "$FEDERATION_TESTAPP_IMAGE" --port 7000 \
  -e "MIB=$mib" -e "DIRTY_KIB=$dirty" -e PORT=7000 -- /app/testapp | tee "$work/deploy.txt"
stable=$(sed -n 's/.*stable address 127.0.0.1:\([0-9]*\).*/\1/p' "$work/deploy.txt")
fedctl workloads

ask() { # one request through the stable address: prints the reply line
  timeout 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$stable && echo '$1' >&3 && head -n1 <&3" 2>/dev/null
}
# The client: one connection per request, bounded; each line: start-ns end-ns reply (or FAIL).
( for _ in $(seq 1 6000); do
    t0=$(date +%s%N); reply=$(ask GET) || reply=FAIL; t1=$(date +%s%N)
    echo "$t0 $t1 ${reply:-FAIL}"; sleep 0.02
  done ) >"$work/client.txt" &
client_pid=$!
sleep 1
before=$(ask VERIFY)
say "before: $before"

say "fedctl migrate default/counter --to b --precopy-rounds $rounds"
fedctl migrate default/counter --to b --precopy-rounds "$rounds" | tee "$work/migrate.txt"
status=${PIPESTATUS[0]}
sleep 1
kill "$client_pid" 2>/dev/null; wait "$client_pid" 2>/dev/null || true; client_pid=
after=$(ask VERIFY)
say "after:  $after"
fedctl -c b workloads

say "what the client saw through 127.0.0.1:$stable"
awk '
  { n++; if ($3 == "FAIL") { fail++; next }
    took = ($2 - $1) / 1e6; if (took > maxtook) maxtook = took
    split($3, kv, "="); c = kv[2] + 0
    if (ok && c < last) back++
    if (ok) { gap = ($2 - lastend) / 1e6; if (gap > maxgap) maxgap = gap }
    last = c; lastend = $2; ok++ }
  END { printf "requests %d, answered %d, failed %d, counter went back %d times\n", n, ok, fail, back
        printf "client-visible gap: longest request %.0f ms, longest time between two answers %.0f ms\n", maxtook, maxgap }' "$work/client.txt"
counter_of() { sed -n 's/.*counter=\([0-9]*\).*/\1/p' <<<"$1"; }
field_of() { sed -n "s/.*$1=\([0-9a-z]*\).*/\1/p" <<<"$2"; }
echo "counter before $(counter_of "$before") -> after $(counter_of "$after"); seed $(field_of seed "$before") -> $(field_of seed "$after"); memory verify after: $(field_of verify "$after")"
exit "$status"
