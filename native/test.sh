#!/usr/bin/env bash
# The probe agent's tests: go vet, unit tests, and the real-kernel tests (root: network
# namespaces, veth, iptables, dnsmasq; the agent binary built by build.sh is what runs).
# Run by `npm test`; on its own: native/test.sh [go test flags, e.g. -run TestDrops].
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
./build.sh
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then echo "native test: gofmt needed: $unformatted" >&2; exit 1; fi
go vet ./...
# The generated eBPF objects must match the sources: a stale commit would ship old programs.
if command -v clang >/dev/null && git -C "$here" rev-parse >/dev/null 2>&1; then
  if ! git -C "$here" diff --quiet -- 'internal/probes/*_bpfel.*'; then
    echo "native test: bpf2go output differs from the committed files: commit native/internal/probes" >&2
    git -C "$here" diff --stat -- 'internal/probes/*_bpfel.*' >&2
    exit 1
  fi
fi
# PATHLIGHT_KERNEL_TESTS=required turns "not root" into a failure instead of a skip: CI is
# root, so a skip there would hide that the probes were never tried on the kernel.
if [ "$(id -u)" = 0 ]; then export PATHLIGHT_KERNEL_TESTS=required; fi
PATHLIGHT_PROBE="$here/dist/linux-$(go env GOARCH)/pathlight-probe" go test -count=1 -v "$@" ./... 2>&1 |
  grep -v '^=== \(RUN\|PAUSE\|CONT\)'
exit "${PIPESTATUS[0]}"
