#!/usr/bin/env bash
# Builds the test app image offline: the static test app plus busybox, imported as a flat image.
set -euo pipefail
tag="${1:?usage: build.sh IMAGE:TAG}"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /var/tmp/federation-testapp.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/root/bin" "$work/root/app" "$work/root/tmp"
gcc -O2 -static -Wall -Wextra -Werror -o "$work/root/app/testapp" "$here/testapp.c"
cp /bin/busybox "$work/root/bin/busybox"
for tool in sh ls cat echo sleep nc ps; do ln -s busybox "$work/root/bin/$tool"; done
tar -C "$work/root" -c . | docker import -c 'CMD ["/app/testapp"]' -c 'EXPOSE 7000' - "$tag" >/dev/null
echo "testapp image: built $tag"
