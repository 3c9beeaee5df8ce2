#!/usr/bin/env bash
# Builds the runtime image offline: a Debian trixie root with dockerd 26, containerd, runc and
# CRIU 4.2.1 from forky (CRIU < 4.2 cannot dump inet sockets on kernels >= 6.16, see
# shared/ENVIRONMENT.md). The image tag carries a hash of this script, so a change rebuilds it.
set -euo pipefail

tag="${1:?usage: build.sh IMAGE:TAG}"
mirror=$(bash "$(dirname "$0")/../debian-mirror.sh")

work=$(mktemp -d /var/tmp/federation-runtime.XXXXXX)
root="$work/root"
trap 'umount -R "$root/proc" 2>/dev/null || true; rm -rf "$work"' EXIT

echo "runtime image: debootstrap trixie from $mirror"
debootstrap --variant=minbase \
  --include=docker.io,iptables,ca-certificates,procps,libstdc++6,libssl3t64,zlib1g,iproute2 \
  trixie "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }

cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror trixie main
deb $mirror forky main
EOF
cat >"$root/etc/apt/preferences.d/forky" <<EOF
Package: *
Pin: release n=forky
Pin-Priority: 100
EOF

echo "runtime image: installing CRIU from forky"
mount -t proc proc "$root/proc"
chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c '
  apt-get -o Acquire::Check-Valid-Until=false update -qq &&
  apt-get -o Acquire::Check-Valid-Until=false install -y -qq --no-install-recommends -t forky criu &&
  apt-get clean && rm -rf /var/lib/apt/lists/*' >"$work/criu.log" 2>&1 || { tail -n 30 "$work/criu.log" >&2; exit 1; }
umount "$root/proc"

chroot "$root" criu --version | head -n1
# runc hands this file to CRIU on every checkpoint and restore. tcp-close: established TCP connections
# are not dumped (a leave-running round would otherwise fail on any open client connection) and come
# back closed after a restore, so clients reconnect to the new location. skip-in-flight: connections
# still in a listen queue do not fail the dump; their clients retry.
mkdir -p "$root/etc/criu"
printf 'tcp-close\nskip-in-flight\n' >"$root/etc/criu/runc.conf"
# Containers from this image use iptables-legacy: the nft backend is not always usable nested.
chroot "$root" update-alternatives --set iptables /usr/sbin/iptables-legacy >/dev/null 2>&1 || true
chroot "$root" update-alternatives --set ip6tables /usr/sbin/ip6tables-legacy >/dev/null 2>&1 || true

tar -C "$root" -c . | docker import \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'ENV DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1' - "$tag" >/dev/null
echo "runtime image: built $tag"
