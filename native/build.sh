#!/usr/bin/env bash
# Builds the probe agent: regenerates the eBPF objects and their Go mirrors with bpf2go
# (when clang is present; the committed output is used otherwise), then static binaries
#   native/dist/linux-amd64/pathlight-probe
#   native/dist/linux-arm64/pathlight-probe
# Usage: native/build.sh [--no-generate] [--arch amd64|arm64]...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
generate=1
arches=()
while [ $# -gt 0 ]; do
  case "$1" in
    --no-generate) generate=0 ;;
    --arch) arches+=("$2"); shift ;;
    *) echo "build.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
[ ${#arches[@]} -gt 0 ] || arches=(amd64 arm64)
log() { printf 'native build: %s\n' "$*" >&2; }

if [ "$generate" = 1 ]; then
  if command -v clang >/dev/null && [ -f /usr/include/bpf/bpf_helpers.h ]; then
    log "bpf2go: compiling bpf/*.bpf.c ($(clang --version | head -1))"
    (cd internal/probes && go generate ./)
  else
    log "clang or libbpf-dev missing: using the committed eBPF objects (native/setup.sh installs them)"
  fi
fi

version="$(node -p 'require("../package.json").version' 2>/dev/null || echo 0.1.0)"
commit="$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)"
for arch in "${arches[@]}"; do
  out="dist/linux-$arch/pathlight-probe"
  CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -buildvcs=false \
    -ldflags "-s -w -X main.version=$version+$commit" -o "$out" ./cmd/pathlight-probe
  (cd "dist/linux-$arch" && sha256sum pathlight-probe > pathlight-probe.sha256)
  log "$out ($(du -k "$out" | cut -f1) KiB)"
done
