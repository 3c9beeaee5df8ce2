#!/usr/bin/env bash
# Prints the Debian mirror the offline image builds debootstrap from: FEDERATION_DEBIAN_MIRROR, else the first Debian one
# in this machine's apt sources (not the security archive). Fails with the reason when there is none.
set -euo pipefail
mirror="${FEDERATION_DEBIAN_MIRROR:-}"
if [ -z "$mirror" ]; then
  mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
    | grep -oE 'https?://[^ ]+' | grep -v security | head -n1 || true)
fi
[ -n "$mirror" ] || { echo "build.sh: no Debian mirror found in /etc/apt sources; set FEDERATION_DEBIAN_MIRROR" >&2; exit 1; }
echo "$mirror"
