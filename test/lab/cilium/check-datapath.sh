#!/usr/bin/env bash
# Checks, without running cilium-agent, that Cilium's datapath builds with the pinned clang and
# passes this kernel's verifier: compiles the bpf/ sources that build.sh copied, with the flags
# cilium-agent uses (Cilium's pkg/datapath/loader/compile.go: StandardCFlags, -mcpu=v3, -g),
# for two profiles close to what a single-node lab would run, then loads every program of every
# object into the kernel with ./verifier (nothing attached, nothing pinned, all closed again).
#
#   test/lab/cilium/check-datapath.sh      # root (bpf syscall); after test/lab/cilium/build.sh
#
# Not the agent's exact programs: the agent compiles against the node_config.h/ep_config.h it
# generates at start; here the defaults shipped in bpf/ plus -D options stand in for them.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

OUT="$LAB_CACHE/cilium-$CILIUM_VERSION"
[ -f "$OUT/.complete" ] || die "Cilium is not built: run test/lab/cilium/build.sh"
need_root
CC="$CILIUM_CLANG_DIR/clang"
[ -x "$CC" ] || die "$CC is missing: apt-get install $CILIUM_APT_PACKAGES (or run build.sh without --no-apt)"

export GOMODCACHE="$LAB_CACHE/go/mod" GOCACHE="$LAB_CACHE/go/build"
export CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false"
if [ "$(GOTOOLCHAIN=local go env GOVERSION)" = "$GO_TOOLCHAIN" ]; then export GOTOOLCHAIN=local; else export GOTOOLCHAIN="$GO_TOOLCHAIN"; fi

# The verifier tool, built inside the wrapper module: same github.com/cilium/ebpf as the agent.
if [ ! -x "$OUT/tools/verifier" ] || [ "$LAB_DIR/cilium/verifier/main.go" -nt "$OUT/tools/verifier" ]; then
  mkdir -p "$OUT/src/verifier" "$OUT/tools"
  cp "$LAB_DIR/cilium/verifier/main.go" "$OUT/src/verifier/main.go"
  (cd "$OUT/src" && nice -n 15 go build -trimpath -o "$OUT/tools/verifier" ./verifier) || die "building the verifier tool failed"
fi

flags=(-g -O2 --target=bpf -std=gnu99 -nostdinc -ftrap-function=__undefined_trap
  -Wall -Wextra -Werror -Wshadow -Wno-address-of-packed-member -Wno-unknown-warning-option
  -Wno-gnu-variable-sized-type-not-at-end -Wimplicit-int-conversion -Wenum-conversion
  -Wimplicit-fallthrough -mcpu=v3)
base=(-DENABLE_IPV4=1 -DENABLE_IPV4_FRAGMENTS=1 -DENABLE_IDENTITY_MARK=1 -DPOLICY_VERDICT_NOTIFY=1 -DMONITOR_AGGREGATION=3)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$OUT/bpf" "$work/bpf"
log "cilium datapath: $("$CC" --version | head -1), kernel $(uname -r)"
fail=0
# profile NAME "DEFINES" SOURCES...
profile() {
  local name=$1 defs=$2; shift 2
  local objs=() s t0
  for s in "$@"; do
    t0=$(date +%s)
    # shellcheck disable=SC2086  # defs is a list of -D options
    if nice -n 15 "$CC" -I"$work/bpf" -I"$work/bpf/include" "${flags[@]}" "${base[@]}" $defs \
        -c "$work/bpf/$s.c" -o "$work/$name-$s.o" 2> "$work/$name-$s.err"; then
      log "  $name: $s.c compiled in $(( $(date +%s) - t0 )) s"
      objs+=("$work/$name-$s.o")
    else
      log "  $name: $s.c FAILED to compile:"; head -20 "$work/$name-$s.err" >&2; fail=1
    fi
  done
  [ ${#objs[@]} -gt 0 ] || return 0
  (cd "$work" && nice -n 15 "$OUT/tools/verifier" "${objs[@]##*/}") || fail=1
}
profile native "" bpf_lxc bpf_host bpf_sock
profile tunnel "-DTUNNEL_MODE=1 -DENCAP_IFINDEX=1" bpf_lxc bpf_host bpf_overlay
[ $fail = 0 ] && log "cilium datapath: every object compiled and passed the verifier" \
  || die "cilium datapath: failures above"
