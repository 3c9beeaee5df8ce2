#!/usr/bin/env bash
# Idempotent machine setup: installs what the project needs, starts the outer dockerd if it is not
# running, and builds the offline images if they are missing (cached by a hash of their inputs), then
# starts the test image registry (scripts/setup-registry.sh) with the test app pushed into it.
# Prints the image tags and the registry (FEDERATION_REGISTRY=host:port, FEDERATION_REGISTRY_CA=path)
# as KEY=VALUE lines on stdout (everything else goes to stderr), so callers can `eval "$(scripts/setup.sh)"`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
log() { echo "setup: $*" >&2; }
fail() { echo "setup: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (installs packages, starts dockerd, runs debootstrap)"

need=()
command -v dockerd >/dev/null 2>&1 || [ -x /usr/sbin/dockerd ] || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v rsync >/dev/null 2>&1 || need+=(rsync)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v docker-registry >/dev/null 2>&1 || need+=(docker-registry)
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get update -qq >&2 || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2 || fail "apt-get install ${need[*]} failed"
fi

# The Debian docker.io CLI lives in /usr/bin; some machines put another client earlier on PATH.
export PATH="/usr/sbin:/usr/bin:$PATH"
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd --experimental (log: /var/log/federation-dockerd.log)"
  nohup dockerd --experimental >/var/log/federation-dockerd.log 2>&1 &
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { tail -n 20 /var/log/federation-dockerd.log >&2; fail "dockerd did not start within 60 s"; }
fi

# CRIU's lazy page server (post-copy) sizes its pipes to 4 MiB; above fs.pipe-max-size that needs CAP_SYS_RESOURCE,
# which the runtimes lack, and CRIU 4.2 then fails its first page request ("splice: Bad file descriptor").
if [ "$(cat /proc/sys/fs/pipe-max-size 2>/dev/null || echo 0)" -lt 4194304 ]; then
  log "raising fs.pipe-max-size to 4194304 (CRIU's lazy page server)"
  echo 4194304 >/proc/sys/fs/pipe-max-size || fail "cannot raise fs.pipe-max-size: post-copy moves would fail"
fi

hash_of() { cat "$@" | sha256sum | cut -c1-12; }
runtime_image="federation/runtime:$(hash_of "$repo/images/runtime/build.sh")"
testapp_image="federation/testapp:$(hash_of "$repo/images/testapp/build.sh" "$repo/images/testapp/testapp.c")"
redis_image="federation/redis:$(hash_of "$repo/images/redis/build.sh")"

if ! docker image inspect "$runtime_image" >/dev/null 2>&1; then
  log "building $runtime_image (debootstrap, about a minute)"
  bash "$repo/images/runtime/build.sh" "$runtime_image" >&2 || fail "runtime image build failed"
fi
if ! docker image inspect "$testapp_image" >/dev/null 2>&1; then
  log "building $testapp_image"
  bash "$repo/images/testapp/build.sh" "$testapp_image" >&2 || fail "test app image build failed"
fi
if ! docker image inspect "$redis_image" >/dev/null 2>&1; then
  log "building $redis_image (debootstrap, about 30 s)"
  bash "$repo/images/redis/build.sh" "$redis_image" >&2 || fail "redis image build failed"
fi

registry_out=$(bash "$repo/scripts/setup-registry.sh" "$testapp_image") || fail "the test registry could not be set up"

echo "FEDERATION_RUNTIME_IMAGE=$runtime_image"
echo "FEDERATION_TESTAPP_IMAGE=$testapp_image"
echo "FEDERATION_REDIS_IMAGE=$redis_image"
echo "$registry_out"
