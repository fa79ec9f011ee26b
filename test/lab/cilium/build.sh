#!/usr/bin/env bash
# Builds Cilium from the Go module proxy into $LAB_CACHE/cilium-$CILIUM_VERSION (the lab's build
# cache, keyed by versions.env like the other lab binaries). Idempotent: a complete build is reused.
#
#   test/lab/cilium/build.sh            # apt packages (clang/llvm for the datapath) + the Go builds
#   test/lab/cilium/build.sh --no-apt   # Go builds only
#
# Output:
#   bin/cilium-agent bin/cilium-cni bin/cilium-dbg bin/cilium-health bin/cilium-operator-generic
#   bin/hubble bin/hubble-relay   (optional: their failure is recorded, not fatal)
#   bpf/                          the module's datapath sources; the agent compiles them with clang
#                                 at start (its --bpf-dir / --lib-dir)
#   build.json                    seconds, peak RSS, sizes, clang version, what built
#
# github.com/cilium/cilium has replace directives in its go.mod (a fork of k8s.io/apimachinery,
# of gobgp, of controller-tools). Replace directives of a dependency are ignored by Go, so the
# wrapper module below repeats them (read from the module's own go.mod, not hard-coded), as
# setup.sh does for k8s.io/kubernetes.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

do_apt=1
[ "${1:-}" = "--no-apt" ] && do_apt=0

OUT="$LAB_CACHE/cilium-$CILIUM_VERSION"
MOD=github.com/cilium/cilium

if [ -f "$OUT/.complete" ]; then log "cilium: cached in $OUT"; exit 0; fi

install_apt() { apt_install cilium $CILIUM_APT_PACKAGES; }

# Same Go environment as setup.sh (lib.sh).
go_env

t0=$(date +%s)
[ $do_apt = 1 ] && install_apt
mkdir -p "$LAB_CACHE"
rm -rf "$OUT"
mkdir -p "$OUT/src" "$OUT/bin"

# The module itself: its go.mod (for the replace directives), its directory (for bpf/) and its
# commit (for the version string the agent reports).
info=$(go mod download -json "$MOD@$CILIUM_VERSION") || die "cilium: go mod download $MOD@$CILIUM_VERSION failed"
moddir=$(jq -r .Dir <<<"$info")
gomod=$(jq -r .GoMod <<<"$info")
commit=$(jq -r '.Origin.Hash // empty' <<<"$info")
# `go mod download -json` has no .Time; the .info file next to the zip has the commit time.
modtime=$(jq -r '.Time // empty' "$(jq -r .Info <<<"$info")")
[ -d "$moddir/bpf" ] || die "cilium: $moddir has no bpf/ directory"

{
  echo "module pathlight.local/lab/cilium"
  echo "go $(go mod edit -json "$gomod" | jq -r .Go)"
  echo "require $MOD $CILIUM_VERSION"
  go mod edit -json "$gomod" | jq -r '.Replace[]? |
    "replace \(.Old.Path)\(if .Old.Version then " " + .Old.Version else "" end) => \(.New.Path)\(if .New.Version then " " + .New.Version else "" end)"'
} > "$OUT/src/go.mod"
grep -q '=> \.' "$OUT/src/go.mod" && die "cilium: $MOD's go.mod has a local-path replace; cannot repeat it"
log "cilium: wrapper module $OUT/src/go.mod ($(grep -c '^replace' "$OUT/src/go.mod") replace directives)"

# Version strings as Cilium's Makefiles set them (Makefile.defs: "VERSION GITSHORT AUTHORTIME").
ver=${CILIUM_VERSION#v}
ldflags="-s -w -X 'github.com/cilium/cilium/pkg/version.ciliumVersion=$ver ${commit:0:10} $modtime'"
hubble_ldflags="-X 'github.com/cilium/cilium/hubble/pkg.Version=v$ver' -X 'github.com/cilium/cilium/hubble/pkg.GitHash=${commit:0:7}'"

STATUS="$OUT/build-status"
: > "$STATUS"
# gobuild NAME TAGS LDFLAGS OUTPUT PACKAGES...: one nice'd `go build`, timed, peak RSS recorded.
gobuild() {
  local name=$1 tags=$2 ld=$3 o=$4; shift 4
  local s; s=$(date +%s)
  log "cilium: building $name ($*)"
  if (cd "$OUT/src" && /usr/bin/time -f '%M' -o "$OUT/$name.maxrss" \
        nice -n 15 go build -trimpath -tags "$tags" -ldflags "$ld" -o "$o" "$@") 2> "$OUT/$name.log"; then
    echo "$name ok $(( $(date +%s) - s ))s maxrss=$(tail -1 "$OUT/$name.maxrss")KiB" >> "$STATUS"
    log "cilium: $name built in $(( $(date +%s) - s )) s"
    return 0
  fi
  echo "$name FAILED $(( $(date +%s) - s ))s (see $OUT/$name.log)" >> "$STATUS"
  log "cilium: $name failed: $(tail -5 "$OUT/$name.log")"
  return 1
}

# Agent, CNI plugin, cilium-dbg and cilium-health share one build (tags as Cilium's Makefile.defs).
gobuild core osusergo "$ldflags" "$OUT/bin/" \
  "$MOD/daemon" "$MOD/plugins/cilium-cni" "$MOD/cilium-dbg" "$MOD/cilium-health" \
  || die "cilium: the agent build failed (log: $OUT/core.log)"
mv "$OUT/bin/daemon" "$OUT/bin/cilium-agent"
# The operator variant without cloud IPAM providers (operator/Makefile: cilium-operator-generic).
gobuild operator osusergo,ipam_provider_operator "$ldflags" "$OUT/bin/cilium-operator-generic" "$MOD/operator" \
  || die "cilium: the operator build failed (log: $OUT/operator.log)"
# Hubble CLI and Relay: wanted, not required.
gobuild hubble osusergo "$ldflags $hubble_ldflags" "$OUT/bin/hubble" "$MOD/hubble" || true
gobuild hubble-relay osusergo "$ldflags" "$OUT/bin/hubble-relay" "$MOD/hubble-relay" || true

# The datapath sources, writable (the module cache is read-only) and independent of GOMODCACHE.
cp -r "$moddir/bpf" "$OUT/bpf"
chmod -R u+w "$OUT/bpf"

secs=$(( $(date +%s) - t0 ))
clang_v=$("$CILIUM_CLANG" --version 2>/dev/null | head -1 || echo "not installed")
jq -n --arg version "$CILIUM_VERSION" --arg commit "$commit" --argjson seconds "$secs" \
  --arg status "$(cat "$STATUS")" --arg clang "$clang_v" --arg go "$(go env GOVERSION)" \
  --arg bin_mb "$(du -sm "$OUT/bin" | cut -f1)" --arg bpf_mb "$(du -sm "$OUT/bpf" | cut -f1)" \
  '{version:$version, commit:$commit, seconds:$seconds, go:$go, clang:$clang,
    builds:($status|split("\n")|map(select(.!=""))), bin_mb:($bin_mb|tonumber), bpf_mb:($bpf_mb|tonumber)}' \
  > "$OUT/build.json"
touch "$OUT/.complete"
log "cilium: done in $secs s: $(tr '\n' ';' < "$STATUS")"
