#!/usr/bin/env bash
# The image registry of the test harness (called by setup.sh; idempotent, fast when already done).
# A real Distribution registry (Debian's docker-registry 2.8) serving TLS with a CA made here.
# Where it listens: the gateway address of a Docker network of its own, "federation-registry"
# (10.213.213.0/29, gateway 10.213.213.1 unless FEDERATION_REGISTRY_SUBNET/_ADDRESS say otherwise), which no
# container joins. That address is the host's own, so every container of this host reaches it through its
# default route whatever Docker network it is on (a cluster's runtime network, a mock pod's network), and
# Docker's address pools keep clear of it. Not docker0's 172.17.0.1: inside a runtime that address is the
# inner dockerd's own docker0. Nothing outside the host routes to it.
# The outer dockerd trusts the CA (/etc/docker/certs.d/HOST:PORT/ca.crt); a runtime's inner dockerd is given it
# by its Engine (PullImage). Pushes the test app image into it.
# Usage: setup-registry.sh TESTAPP_IMAGE. Prints FEDERATION_REGISTRY=host:port and FEDERATION_REGISTRY_CA=path.
# Access log (one line per request, Apache format, the client's address first): /var/log/federation-registry.log.
set -euo pipefail
testapp_image="${1:?usage: setup-registry.sh TESTAPP_IMAGE}"
log() { echo "setup: registry: $*" >&2; }
fail() { echo "setup: FAILED: registry: $*" >&2; exit 1; }

dir=${FEDERATION_REGISTRY_DIR:-/var/lib/federation-registry}
port=${FEDERATION_REGISTRY_PORT:-5443}
logfile=/var/log/federation-registry.log
pidfile=/run/federation-registry.pid
subnet=${FEDERATION_REGISTRY_SUBNET:-10.213.213.0/29}
addr=${FEDERATION_REGISTRY_ADDRESS:-10.213.213.1}
network=federation-registry
if ! docker network inspect "$network" >/dev/null 2>&1; then
  log "creating Docker network $network ($subnet) for the registry's address $addr"
  docker network create --subnet "$subnet" --gateway "$addr" -o com.docker.network.bridge.name=fedregistry0 \
    -o com.docker.network.bridge.enable_icc=false --label federation.owner=federation-registry "$network" >/dev/null \
    || fail "could not create Docker network $network ($subnet)"
fi
gateway=$(docker network inspect "$network" -f '{{range .IPAM.Config}}{{.Gateway}} {{end}}' | awk '{print $1}')
[ "$gateway" = "$addr" ] || fail "Docker network $network has gateway '$gateway', not $addr: remove it (docker network rm $network) and run again"
registry="$addr:$port"

mkdir -p "$dir/data"
chmod 755 "$dir"
# The CA (ten years) and the serving certificate (one year, for the gateway address and 127.0.0.1), made again
# when the address changed or the certificate ends within a week.
if [ ! -s "$dir/ca.crt" ] || [ ! -s "$dir/ca.key" ]; then
  log "making the registry CA"
  (umask 077 && openssl genrsa -out "$dir/ca.key" 3072 2>/dev/null) || fail "openssl genrsa failed"
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days 3650 -subj "/CN=Federation test registry CA" -out "$dir/ca.crt" 2>/dev/null \
    || fail "openssl could not make the CA"
  rm -f "$dir/server.crt"
fi
if [ ! -s "$dir/server.crt" ] || ! openssl x509 -in "$dir/server.crt" -noout -checkip "$addr" 2>/dev/null | grep -q 'does match' \
    || ! openssl x509 -in "$dir/server.crt" -noout -checkend 604800 >/dev/null 2>&1; then
  log "making the serving certificate for $addr"
  (umask 077 && openssl genrsa -out "$dir/server.key" 2048 2>/dev/null) || fail "openssl genrsa failed"
  openssl req -new -key "$dir/server.key" -subj "/CN=$addr" -out "$dir/server.csr" 2>/dev/null || fail "openssl req failed"
  printf 'subjectAltName=IP:%s,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n' "$addr" >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 365 -sha256 \
    -extfile "$dir/server.ext" -out "$dir/server.crt" 2>/dev/null || fail "openssl could not sign the serving certificate"
  rm -f "$dir/server.csr" "$dir/server.ext"
  restart=1
fi
chown -R docker-registry: "$dir/data" "$dir/server.key"

config=$(cat <<YAML
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
  fields:
    service: federation-registry
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $registry
  tls:
    certificate: $dir/server.crt
    key: $dir/server.key
  headers:
    X-Content-Type-Options: [nosniff]
YAML
)
if [ ! -f "$dir/config.yml" ] || [ "$(cat "$dir/config.yml")" != "$config" ]; then
  printf '%s\n' "$config" >"$dir/config.yml"
  restart=1
fi

answers() { curl -fsS --max-time 5 --cacert "$dir/ca.crt" "https://$registry/v2/" >/dev/null 2>&1; }
running_pid() { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && cat "$pidfile"; }
if [ -n "${restart:-}" ] && pid=$(running_pid); then
  log "restarting (configuration or certificate changed)"
  kill "$pid"; for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
if ! running_pid >/dev/null || ! answers; then
  if pid=$(running_pid); then kill "$pid"; sleep 0.5; fi
  log "starting docker-registry on https://$registry (log: $logfile)"
  nohup setpriv --reuid=docker-registry --regid=docker-registry --init-groups docker-registry serve "$dir/config.yml" >>"$logfile" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 60); do answers && break; sleep 0.5; done
  answers || { tail -n 20 "$logfile" >&2; fail "docker-registry did not answer on https://$registry/v2/ within 30 s"; }
fi

# The outer dockerd trusts the registry's CA (it reads certs.d at every push and pull).
mkdir -p "/etc/docker/certs.d/$registry"
cmp -s "$dir/ca.crt" "/etc/docker/certs.d/$registry/ca.crt" || cp "$dir/ca.crt" "/etc/docker/certs.d/$registry/ca.crt"

# The test app, as $registry/<its name>:<its tag>; pushed once per tag.
repo=${testapp_image%:*}; tag=${testapp_image##*:}
if ! curl -fsS --max-time 10 --cacert "$dir/ca.crt" -o /dev/null -I \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "https://$registry/v2/$repo/manifests/$tag" 2>/dev/null; then
  log "pushing $testapp_image as $registry/$testapp_image"
  docker tag "$testapp_image" "$registry/$testapp_image"
  docker push "$registry/$testapp_image" >&2 || fail "docker push $registry/$testapp_image failed"
  docker rmi "$registry/$testapp_image" >/dev/null
fi

echo "FEDERATION_REGISTRY=$registry"
echo "FEDERATION_REGISTRY_CA=$dir/ca.crt"
