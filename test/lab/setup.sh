#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks for the lab and builds (or reuses) the
# component binaries into ${PATHLIGHT_LAB_CACHE:-$HOME/.cache/pathlight-lab}, keyed by the
# versions pinned in versions.env. Idempotent: a second run with a warm cache takes seconds.
#
#   test/lab/setup.sh            # apt packages + all builds
#   test/lab/setup.sh --no-apt   # builds only
set -euo pipefail
. "$(dirname "$0")/lib.sh"

do_apt=1
[ "${1:-}" = "--no-apt" ] && do_apt=0

# Debian starts containerd/ssh through its init scripts where it can; the lab runs its own
# instances with their own sockets and config, so the system ones are not needed.
install_apt() { apt_install apt $APT_PACKAGES; }

go_env

# build NAME VERSION-DIR MODULE-SETUP PACKAGES... : one `go build` for several main packages
# so they share compilation; the output dir is marked complete only when all succeeded.
build() {
  local name=$1 out=$2 modfile=$3 ldflags=$4; shift 4
  if [ -f "$out/.complete" ]; then log "$name: cached in $out"; return; fi
  local src="$out/src" t0; t0=$(date +%s)
  rm -rf "$out"; mkdir -p "$src" "$out/bin"
  printf '%s\n' "$modfile" > "$src/go.mod"
  log "$name: building $* (cold builds take long on 2 cores; see test/lab/README.md)"
  (cd "$src" && nice -n 10 go build -trimpath -ldflags "-s -w $ldflags" -o "$out/bin/" "$@") \
    || die "$name: go build failed (log above)"
  echo "$(( $(date +%s) - t0 ))" > "$out/build-seconds"
  touch "$out/.complete"
  log "$name: built in $(cat "$out/build-seconds") s"
}

k8s_mod() {
  echo "module pathlight.local/lab/k8s"
  echo "go 1.24.0"
  echo "require k8s.io/kubernetes $K8S_VERSION"
  echo "replace ("
  for m in api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider \
    cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api \
    cri-client csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms \
    kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics \
    mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller; do
    echo "  k8s.io/$m => k8s.io/$m $K8S_STAGING_VERSION"
  done
  echo ")"
}

build_all() {
  local minor; minor=$(echo "$K8S_VERSION" | cut -d. -f2)
  local v="-X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  v="$v -X k8s.io/client-go/pkg/version.gitVersion=$K8S_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  build kubernetes "$LAB_CACHE/k8s-$K8S_VERSION" "$(k8s_mod)" "$v" \
    k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kube-proxy \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kubectl
  build coredns "$LAB_CACHE/coredns-$COREDNS_VERSION" \
    "$(printf 'module pathlight.local/lab/coredns\ngo 1.26.0\nrequire github.com/coredns/coredns %s\n' "$COREDNS_VERSION")" \
    "-X github.com/coredns/coredns/coremain.GitCommit=$COREDNS_VERSION" github.com/coredns/coredns
  build kube-router "$LAB_CACHE/kube-router-$KUBE_ROUTER_VERSION" \
    "$(printf 'module pathlight.local/lab/kube-router\ngo 1.21\nrequire github.com/cloudnativelabs/kube-router/v2 %s\n' "$KUBE_ROUTER_VERSION")" \
    "-X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION" \
    github.com/cloudnativelabs/kube-router/v2/cmd/kube-router
}

# shellcheck source=images.sh
. "$LAB_DIR/images.sh"

t0=$(date +%s)
[ $do_apt = 1 ] && install_apt
mkdir -p "$LAB_CACHE"
build_all
build_images
build_probe_image
log "setup done in $(( $(date +%s) - t0 )) s; binaries in $LAB_CACHE"
