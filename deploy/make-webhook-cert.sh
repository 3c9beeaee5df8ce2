#!/usr/bin/env bash
# Makes the admission webhook's serving certificate: a CA of its own (kept in DIR/.webhook-ca/, made once) and a
# certificate for the coordinator's Service (federation-coordinator.federation.svc), written as the Secret
# DIR/25-webhook-tls.yaml (type kubernetes.io/tls), and puts the CA into the caBundle of DIR/30-webhook.yaml, so
# that `kubectl apply -f DIR` installs both. Run again to renew the certificate (the CA stays).
# Usage: deploy/make-webhook-cert.sh [DIR]   (DIR default: this script's directory)
# Environment: FEDERATION_SERVICE (federation-coordinator), FEDERATION_NAMESPACE (federation), CERT_DAYS (365).
set -euo pipefail
dir=$(cd "${1:-$(dirname "$0")}" && pwd)
service=${FEDERATION_SERVICE:-federation-coordinator}
namespace=${FEDERATION_NAMESPACE:-federation}
days=${CERT_DAYS:-365}
fail() { echo "make-webhook-cert: $*" >&2; exit 1; }
command -v openssl >/dev/null || fail "openssl is not installed"
[ -f "$dir/30-webhook.yaml" ] || fail "$dir/30-webhook.yaml not found"
ca="$dir/.webhook-ca"
mkdir -p "$ca"
chmod 700 "$ca"
if [ ! -s "$ca/ca.key" ] || [ ! -s "$ca/ca.crt" ]; then
  (umask 077 && openssl genrsa -out "$ca/ca.key" 3072 2>/dev/null) || fail "openssl genrsa failed"
  openssl req -x509 -new -key "$ca/ca.key" -sha256 -days 3650 -subj "/CN=Federation webhook CA" -out "$ca/ca.crt" 2>/dev/null \
    || fail "openssl could not make the CA"
fi
host="$service.$namespace.svc"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(umask 077 && openssl genrsa -out "$work/tls.key" 2048 2>/dev/null) || fail "openssl genrsa failed"
openssl req -new -key "$work/tls.key" -subj "/CN=$host" -out "$work/tls.csr" 2>/dev/null || fail "openssl req failed"
printf 'subjectAltName=DNS:%s,DNS:%s.cluster.local,DNS:%s.%s\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\nbasicConstraints=CA:FALSE\n' \
  "$host" "$host" "$service" "$namespace" >"$work/ext"
openssl x509 -req -in "$work/tls.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -CAcreateserial -days "$days" -sha256 \
  -extfile "$work/ext" -out "$work/tls.crt" 2>/dev/null || fail "openssl could not sign the serving certificate"
b64() { base64 -w0 <"$1"; }
(umask 077 && cat >"$dir/25-webhook-tls.yaml" <<YAML
# Made by make-webhook-cert.sh: the webhook's serving certificate for $host (signed by .webhook-ca/ca.crt). Do not commit.
apiVersion: v1
kind: Secret
metadata:
  name: federation-webhook-tls
  namespace: $namespace
type: kubernetes.io/tls
data:
  tls.crt: $(b64 "$work/tls.crt")
  tls.key: $(b64 "$work/tls.key")
YAML
)
bundle=$(b64 "$ca/ca.crt")
sed -i -E "s|^( *)caBundle: .*$|\1caBundle: $bundle|" "$dir/30-webhook.yaml"
grep -q "caBundle: $bundle" "$dir/30-webhook.yaml" || fail "could not fill caBundle in $dir/30-webhook.yaml"
echo "make-webhook-cert: $dir/25-webhook-tls.yaml for $host (valid $days days); caBundle of $dir/30-webhook.yaml filled" >&2
