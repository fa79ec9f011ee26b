#!/usr/bin/env bash
# The probe agent's toolchain, idempotent and fast when nothing is missing:
#   - Debian packages (as root): clang + llvm (compile bpf/*.bpf.c), libbpf-dev (bpf_helpers.h),
#     bpftool (the tests read the kernel's program list), and for the real-kernel tests and the
#     benchmark: iproute2, iptables, nftables (nft: the rules probe's tests), dnsmasq-base, iperf3.
#   - the Go modules of native/ (cilium/ebpf, bpf2go, google/nftables, mdlayher/netlink,
#     x/net, x/sys) from the module proxy.
# Without root or apt, it names what is missing; `go build` still works from the committed
# bpf2go output, only regenerating the eBPF objects needs clang.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf 'native setup: %s\n' "$*" >&2; }

packages="clang llvm libbpf-dev bpftool iproute2 iptables nftables dnsmasq-base iperf3"
missing=()
for p in $packages; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian packages: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    log "missing packages: ${missing[*]} (apt-get install them as root; the real-kernel tests need them)"
  fi
fi

if ! command -v go >/dev/null; then
  log "go is not on PATH: install Go 1.26 to build the probe agent"
  exit 0
fi
(cd "$here" && go mod download)
