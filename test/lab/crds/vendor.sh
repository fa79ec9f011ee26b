#!/usr/bin/env bash
# Re-vendors the AdminNetworkPolicy / BaselineAdminNetworkPolicy CRDs from the
# sigs.k8s.io/network-policy-api Go module at NETWORK_POLICY_API_VERSION (versions.env).
# Not run by setup.sh: the YAML is committed, so the lab needs no network for it.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dir=$(cd "$tmp" && GOMODCACHE="$tmp/mod" GOFLAGS=-mod=mod go mod download -json \
  "sigs.k8s.io/network-policy-api@$NETWORK_POLICY_API_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -d "$dir/config/crd" ] || die "no config/crd in sigs.k8s.io/network-policy-api@$NETWORK_POLICY_API_VERSION"
# Newer releases split standard/experimental; the lab installs the standard channel.
src="$dir/config/crd"; [ -d "$src/standard" ] && src="$src/standard"
rm -f "$LAB_DIR"/crds/policy.networking.k8s.io_*.yaml
cp "$src"/policy.networking.k8s.io_*.yaml "$LAB_DIR/crds/"
chmod 644 "$LAB_DIR"/crds/*.yaml
chmod -R u+w "$tmp"   # the module cache is read-only
log "vendored $(ls "$LAB_DIR"/crds/*.yaml | wc -l) CRDs from network-policy-api $NETWORK_POLICY_API_VERSION"
