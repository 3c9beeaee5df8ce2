#!/usr/bin/env bash
# Builds the Redis image offline: Debian trixie's redis-server package, debootstrapped into a scratch root, of which
# the image keeps only redis-server, the libraries it links (ldd inside that root) and busybox for a shell.
# Runs in the foreground on 127.0.0.1:6379 without persistence. The image tag carries a hash of this script.
set -euo pipefail

tag="${1:?usage: build.sh IMAGE:TAG}"
mirror=$(bash "$(dirname "$0")/../debian-mirror.sh")

work=$(mktemp -d /var/tmp/federation-redis.XXXXXX)
root="$work/root" image="$work/image"
trap 'rm -rf "$work"' EXIT

echo "redis image: debootstrap trixie with redis-server from $mirror"
debootstrap --variant=minbase --include=redis-server trixie "$root" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
chroot "$root" redis-server --version

# A merged-/usr root like Debian's. redis-server is a symlink to redis-check-rdb, which picks its role by argv[0]: the
# binary is copied under the name redis-server.
mkdir -p "$image/usr/bin" "$image/usr/lib" "$image/usr/lib64" "$image/etc" "$image/tmp" "$image/data"
chmod 1777 "$image/tmp"
for dir in bin lib lib64; do ln -s "usr/$dir" "$image/$dir"; done
cp -L "$root/usr/bin/redis-server" "$image/usr/bin/redis-server"
chroot "$root" ldd /usr/bin/redis-server | grep -oE '/[^ ]+' | while read -r lib; do
  mkdir -p "$image$(dirname "$lib")"
  cp -L "$root$lib" "$image$lib"
done
cp /bin/busybox "$image/usr/bin/busybox"
for tool in sh ls cat echo sleep ps; do ln -s busybox "$image/usr/bin/$tool"; done
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$image/etc/passwd"
printf 'root:x:0:\n' >"$image/etc/group"
chroot "$image" /usr/bin/redis-server --version >/dev/null || { echo "build.sh: redis-server does not run in the image root" >&2; exit 1; }

tar -C "$image" -c . | docker import -c 'WORKDIR /data' -c 'EXPOSE 6379' \
  -c 'CMD ["/usr/bin/redis-server", "--bind", "127.0.0.1", "--port", "6379", "--save", "", "--appendonly", "no", "--protected-mode", "no"]' \
  - "$tag" >/dev/null
echo "redis image: built $tag ($(du -sh "$image" | cut -f1), the debootstrap root was $(du -sh "$root" | cut -f1))"
