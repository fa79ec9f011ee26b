#!/usr/bin/env bash
# Runs cilium-agent for the lab's node K (test/lab/cilium/agent.sh K, default 1). Started by up.sh
# (LAB_CNI=cilium) inside the node's network and UTS namespaces (the hostname is the node's name,
# which the agent takes as its node name), and in node K's mount namespace when K > 1 (there
# /run/cilium is node K's own directory: the agent's sockets land in it; see node_mnt in
# lib.sh). Then under `unshare --mount --propagation slave`: mounts made here stay in the
# agent's own mount namespace and vanish with it.
#
# What this wrapper adds around the agent (README "Cilium" explains each choice):
# - /proc/sys/kernel read-only for the agent. Its loader sets kernel.unprivileged_bpf_disabled=1
#   and kernel.timer_migration=0 (ignoring errors); both are host-global, and the first one
#   cannot be set back without a reboot. Per-netns sysctls (/proc/sys/net) stay writable.
# - its own bpffs under $LAB_RUN (not /sys/fs/bpf): the agent's pinned maps and programs live
#   only as long as this mount namespace.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"

K=${1:-1}
S=$(node_sfx "$K")
DIR=$(node_cilium_dir "$K")
BPFFS="$DIR/bpffs"
# The machine's cgroup2 hierarchy, where it is already mounted (hybrid v1 hosts like this VM:
# /sys/fs/cgroup/unified), so the agent mounts none of its own.
CG2=/sys/fs/cgroup/unified
cg_v2 && CG2=/sys/fs/cgroup
mount --bind /proc/sys/kernel /proc/sys/kernel
mount -o remount,bind,ro /proc/sys/kernel
mkdir -p "$BPFFS" "$DIR/state"
mount -t bpf bpf "$BPFFS"

# The agent compiles its datapath with `clang` from PATH (Debian's clang-19, see versions.env).
export PATH="$CILIUM_CLANG_DIR:$PATH"
exec "$CILIUM_OUT/bin/cilium-agent" \
  --k8s-kubeconfig-path="$LAB_STATE/kubeconfigs/cilium$S.kubeconfig" \
  --cluster-name=pathlight-lab \
  --ipam=kubernetes --k8s-require-ipv4-pod-cidr=true \
  --routing-mode=native --ipv4-native-routing-cidr="$POD_CIDR" --auto-direct-node-routes=false \
  --enable-ipv4=true --enable-ipv6=false \
  --enable-ipv4-masquerade=false --enable-bpf-masquerade=false \
  --kube-proxy-replacement=false --bpf-lb-sock=false \
  --enable-l7-proxy=false \
  --identity-allocation-mode=crd \
  --enable-hubble=true --hubble-listen-address=:4244 --hubble-disable-tls \
  --enable-health-checking=false --enable-endpoint-health-checking=false \
  --devices=lab0 --direct-routing-device=lab0 \
  --bpf-root="$BPFFS" --cgroup-root="$CG2" \
  --lib-dir="$CILIUM_OUT" --state-dir="$DIR/state" \
  --cni-exclusive=false
