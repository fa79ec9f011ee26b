#!/usr/bin/env bash
# Copies Hubble's observer API (observer.proto, flow.proto, relay.proto: Apache-2.0, the
# Cilium authors; their headers kept) from the github.com/cilium/cilium module at
# CILIUM_VERSION (test/lab/versions.env) into this folder, unchanged. The Hubble client
# (../client.ts) loads them at run time with @grpc/proto-loader. Re-run after changing the
# version; needs Go and the module proxy (the module is large: it is read from the lab's
# module cache when the lab's Cilium build already fetched it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
# shellcheck source=/dev/null
. "$root/test/lab/versions.env"
CILIUM_VERSION="${CILIUM_VERSION:-v1.18.3}"
export GOMODCACHE="${GOMODCACHE:-${PATHLIGHT_LAB_CACHE:-$HOME/.cache/pathlight-lab}/go/mod}"
dir="$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "github.com/cilium/cilium@$CILIUM_VERSION" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
for f in observer/observer.proto flow/flow.proto relay/relay.proto; do
  mkdir -p "$here/$(dirname "$f")"
  cp "$dir/api/v1/$f" "$here/$f"
  chmod 644 "$here/$f"
done
echo "vendored Hubble's observer API of cilium $CILIUM_VERSION into $here"
