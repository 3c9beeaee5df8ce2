#!/usr/bin/env bash
# Builds the coordinator's image offline (for deploy/): the runtime image (Debian trixie, dockerd, CRIU; built by
# scripts/setup.sh) plus .NET from this machine and `dotnet publish` of the coordinator and the runtime module:
#   /opt/federation/dotnet       the .NET runtime (Microsoft.NETCore.App and Microsoft.AspNetCore.App of this machine's SDK)
#   /opt/federation/coordinator  federation-coordinator (entrypoint)
#   /opt/federation/runtime      Federation.RuntimeModule (Engine and Ambassador of runtime pods)
# so the same image also serves as the Kubernetes adapter's Engine image (modules "image"). Takes a minute or two
# (two publishes), so setup.sh does not run it: run it yourself, then push the image where your cluster pulls from.
# Usage: images/coordinator/build.sh [TAG] [RUNTIME_IMAGE]   (TAG default federation/coordinator:dev;
# RUNTIME_IMAGE default: the one scripts/setup.sh prints). Prints the tag on stdout.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
tag="${1:-federation/coordinator:dev}"
runtime_image="${2:-}"
export PATH="/usr/sbin:/usr/bin:$PATH" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [ -z "$runtime_image" ]; then
  runtime_image=$(bash "$repo/scripts/setup.sh" | sed -n 's/^FEDERATION_RUNTIME_IMAGE=//p')
fi
[ -n "$runtime_image" ] || { echo "coordinator image: no runtime image (run scripts/setup.sh)" >&2; exit 1; }
docker image inspect "$runtime_image" >/dev/null 2>&1 || { echo "coordinator image: runtime image $runtime_image is not here (run scripts/setup.sh)" >&2; exit 1; }

dotnet_bin=$(command -v dotnet) || { echo "coordinator image: dotnet is not on PATH" >&2; exit 1; }
dotnet_root=${DOTNET_ROOT:-$(dirname "$(readlink -f "$dotnet_bin")")}
runtime_version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" {v=$2} END {print v}')
aspnet_version=$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" {v=$2} END {print v}')
[ -n "$runtime_version" ] && [ -n "$aspnet_version" ] || { echo "coordinator image: .NET runtimes not found under $dotnet_root" >&2; exit 1; }

work=$(mktemp -d /var/tmp/federation-coordinator.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/ctx/dotnet/shared"
echo "coordinator image: dotnet publish (coordinator, runtime module)" >&2
dotnet publish "$repo/src/CoordinatorHost/Federation.CoordinatorHost.csproj" -c Release -o "$work/ctx/coordinator" -nologo -v quiet >&2
dotnet publish "$repo/src/RuntimeModule/Federation.RuntimeModule.csproj" -c Release -o "$work/ctx/runtime" -nologo -v quiet >&2
cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$work/ctx/dotnet/"
for fx in "Microsoft.NETCore.App/$runtime_version" "Microsoft.AspNetCore.App/$aspnet_version"; do
  mkdir -p "$work/ctx/dotnet/shared/${fx%/*}"
  cp -a "$dotnet_root/shared/$fx" "$work/ctx/dotnet/shared/$fx"
done
cat >"$work/ctx/Dockerfile" <<DOCKERFILE
FROM $runtime_image
COPY dotnet /opt/federation/dotnet
COPY coordinator /opt/federation/coordinator
COPY runtime /opt/federation/runtime
ENV DOTNET_ROOT=/opt/federation/dotnet DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Root stays the image's user: as the Engine image, runtime pods run it privileged. The coordinator's Deployment
# runs it as 65532 (deploy/20-coordinator.yaml): it talks to the API server and Engines over the network only.
WORKDIR /var/lib/federation
EXPOSE 7400 8443
ENTRYPOINT ["/opt/federation/dotnet/dotnet", "/opt/federation/coordinator/federation-coordinator.dll"]
DOCKERFILE
echo "coordinator image: docker build $tag (FROM $runtime_image)" >&2
docker build -q -t "$tag" "$work/ctx" >&2
echo "$tag"
