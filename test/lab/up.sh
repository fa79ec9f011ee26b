#!/usr/bin/env bash
# Brings the lab cluster up (from binaries built by setup.sh) and applies the scenarios.
# LAB_NODES=1..3 worker nodes (default 2; node 1 also runs the control plane).
# LAB_CNI=kube-router (default: ptp CNI + kube-router's NetworkPolicy firewall) or cilium
# (a cilium-agent per node as CNI and policy enforcer, Hubble on every node; built by
# test/lab/cilium/build.sh; see README "Cilium").
# Idempotent: when the lab is already up and healthy with that many nodes it only re-applies
# the manifests. When a previous lab is half up (a crash, a killed run) or has another number
# of nodes, it is torn down first.
#
# Writes test/lab/.state/{admin,restricted}.kubeconfig, ssh_config (a Host per node), lab.json.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# shellcheck source=pki.sh
. "$LAB_DIR/pki.sh"

need_root
lab_lock
T0=$(date +%s)

for b in "$K8S_BIN"/{kube-apiserver,kube-controller-manager,kube-scheduler,kube-proxy,kubelet,kubectl} \
  "$KUBE_ROUTER_BIN/kube-router" "$LAB_CACHE/images/busybox.tar"; do
  [ -e "$b" ] || die "missing $b — run test/lab/setup.sh first (it builds into $LAB_CACHE)"
done
for c in etcd containerd containerd-shim-runc-v2 runc ctr socat ipset iptables conntrack /usr/sbin/sshd /usr/lib/cni/ptp; do
  command -v "$c" >/dev/null || die "missing $c — run test/lab/setup.sh (it installs the Debian packages)"
done

# One lab per machine (fixed netns, cgroup and ports): refuse to take over another checkout's.
if [ -f "$LAB_RUN/host-state.env" ]; then
  owner=$(sed -n 's/^LAB_OWNER_DIR=//p' "$LAB_RUN/host-state.env")
  if [ -n "$owner" ] && [ "$owner" != "$LAB_DIR" ] && [ "${PATHLIGHT_LAB_TAKE_OVER:-}" != 1 ]; then
    die "a lab started from $owner is running; stop it with $owner/down.sh (or set PATHLIGHT_LAB_TAKE_OVER=1)"
  fi
fi

# How many nodes: LAB_NODES, else as many as the running lab has, else 2.
NODES="${LAB_NODES:-$(lab_nodes)}"
case "$NODES" in
  [1-9]) [ "$NODES" -le "$LAB_MAX_NODES" ] || die "LAB_NODES=$NODES: the lab has 1 to $LAB_MAX_NODES nodes" ;;
  *) die "LAB_NODES=$NODES: the lab has 1 to $LAB_MAX_NODES nodes" ;;
esac
running_nodes=$(cat "$LAB_RUN/nodes" 2>/dev/null || true)
CNI="${LAB_CNI:-kube-router}"
case "$CNI" in
  kube-router) ;;
  cilium)
    [ -f "$CILIUM_OUT/.complete" ] || die "Cilium is not built: run test/lab/cilium/build.sh (≈20 min cold)"
    [ -x "$CILIUM_CLANG_DIR/clang" ] || die "missing $CILIUM_CLANG_DIR/clang (apt-get install $CILIUM_APT_PACKAGES)"
    # Hubble Relay's image, from the Cilium build's hubble-relay (cached by the binary's digest).
    # shellcheck source=images.sh
    . "$LAB_DIR/images.sh"
    build_relay_image
    ;;
  *) die "LAB_CNI=$CNI: kube-router (default) or cilium" ;;
esac
running_cni=""
[ -d "$LAB_RUN" ] && running_cni=$(lab_cni)

if [ "${running_nodes:-$NODES}" = "$NODES" ] && [ "${running_cni:-$CNI}" = "$CNI" ] && lab_healthy; then
  log "lab is already up ($NODES node(s)); re-applying manifests"
  APPLY_ONLY=1
elif [ -e "/run/netns/$LAB_NETNS" ] || [ -e "/run/netns/$LAB_NET_NETNS" ] || [ -d "$LAB_RUN" ] || [ -d "$LAB_DATA" ] || [ -d "$(lab_cg_root)" ]; then
  if [ -n "$running_nodes" ] && [ "$running_nodes" != "$NODES" ]; then
    log "the running lab has $running_nodes node(s), $NODES asked for; tearing it down first"
  elif [ -n "$running_cni" ] && [ "$running_cni" != "$CNI" ]; then
    log "the running lab runs $running_cni, $CNI asked for; tearing it down first"
  else
    log "a previous lab is half up; tearing it down first"
  fi
  "$LAB_DIR/down.sh"
fi
# From here on lib.sh's helpers (lab_nodes, lab_daemons, …) see the new lab's size.
export LAB_NODES="$NODES" LAB_CNI="$CNI"
NODE_LIST=$(seq 1 "$NODES")

for p in "$API_PORT" $(for k in $NODE_LIST; do node_ssh_port "$k"; done); do
  if [ -z "${APPLY_ONLY:-}" ] && ss -Hltn "sport = :$p" | grep -q .; then
    die "port $p on the host is in use; set PATHLIGHT_LAB_API_PORT / PATHLIGHT_LAB_SSH_PORT to free ports"
  fi
done

# ---------------------------------------------------------------- host side (recorded, undone by down.sh)
save_host_state() {
  mkdir -p "$LAB_RUN/pids"
  local f="$LAB_RUN/host-state.env"
  {
    echo "LAB_OWNER_DIR=$LAB_DIR"
    echo "LAB_NODES=$NODES"
    echo "LAB_CNI=$CNI"
    # Which shared host directories existed before (down.sh removes only the others).
    local dirs=$HOST_DIRS
    [ "$CNI" = cilium ] && dirs="$dirs $CILIUM_HOST_DIRS"
    for d in $dirs; do
      [ -e "$d" ] && echo "EXISTED_${d//[\/]/_}=1"
    done
  } > "$f"
  echo "$NODES" > "$LAB_RUN/nodes"
  echo "$CNI" > "$LAB_RUN/lab-cni"
  # The kubelet sets these host-global (not per-netns) sysctls at start; down.sh restores them.
  for s in vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes; do
    echo "$s=$(sysctl -n "$s")"
  done > "$LAB_RUN/sysctl.saved"
}

setup_cgroups() {
  # See lib.sh: one cgroup tree holds every lab process, so down.sh can kill whatever is in it
  # and nothing the lab started can outlive it.
  # Node k > 1: its kubelet's cgroupRoot is the child node-k (kubelets must not share one).
  local c d k
  if cg_v2; then
    d=$(lab_cg_root); mkdir -p "$d"
    for c in cpuset cpu io memory pids hugetlb; do
      grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control && echo "+$c" > "$d/cgroup.subtree_control"
    done
    for k in $(seq 2 "$NODES"); do
      mkdir -p "$d/node-$k"
      for c in cpuset cpu io memory pids hugetlb; do
        grep -qw "$c" "$d/cgroup.subtree_control" && echo "+$c" > "$d/node-$k/cgroup.subtree_control"
      done
    done
  else
    [ -d /sys/fs/cgroup/pids ] || die "no cgroup v1 pids hierarchy at /sys/fs/cgroup/pids and no cgroup v2 at /sys/fs/cgroup"
    for c in $CGROUP_CONTROLLERS; do
      [ -d "/sys/fs/cgroup/$c" ] || continue
      d="/sys/fs/cgroup/$c/$LAB_CGROUP"; mkdir -p "$d"
      if [ "$c" = cpuset ]; then
        cat /sys/fs/cgroup/cpuset/cpuset.cpus > "$d/cpuset.cpus"
        cat /sys/fs/cgroup/cpuset/cpuset.mems > "$d/cpuset.mems"
      fi
      for k in $(seq 2 "$NODES"); do
        mkdir -p "$d/node-$k"
        if [ "$c" = cpuset ]; then
          cat "$d/cpuset.cpus" > "$d/node-$k/cpuset.cpus"; cat "$d/cpuset.mems" > "$d/node-$k/cpuset.mems"
        fi
      done
    done
  fi
  mkdir -p "$(lab_cg_root)/daemons"
}

setup_netns() {
  # The lab's "switch": a bridge in a namespace of its own, with no link to the host.
  ip netns add "$LAB_NET_NETNS"
  ip -n "$LAB_NET_NETNS" link set lo up
  ip -n "$LAB_NET_NETNS" link add "$LAB_BRIDGE" type bridge
  ip -n "$LAB_NET_NETNS" link set "$LAB_BRIDGE" up
  # UTS namespaces with the nodes' hostnames, kept alive by bind mounts (private, so the mount
  # does not propagate; down.sh unmounts everything under $LAB_RUN).
  mkdir -p "$LAB_RUN/ns"
  mount --bind "$LAB_RUN/ns" "$LAB_RUN/ns" && mount --make-private "$LAB_RUN/ns"
  local k j ns
  for k in $NODE_LIST; do
    ns=$(node_netns "$k")
    ip netns add "$ns"
    touch "$(node_uts "$k")"
    unshare --uts="$(node_uts "$k")" hostname "$(node_name "$k")" || die "could not create node $k's UTS namespace"
    in_node_k "$k" ip link set lo up
    # The node's "NIC": lab0, a veth whose other end (n<k>) is a port of the lab bridge. No
    # default route: nothing in here can reach anything outside the lab's namespaces.
    ip -n "$LAB_NET_NETNS" link add "n$k" type veth peer name lab0 netns "$ns"
    ip -n "$LAB_NET_NETNS" link set "n$k" master "$LAB_BRIDGE" up
    in_node_k "$k" ip addr add "$(node_ip "$k")/24" dev lab0
    in_node_k "$k" ip link set lab0 up
    # Locally originated traffic to Service VIPs needs a route before kube-proxy's DNAT applies.
    in_node_k "$k" ip route add "$SVC_CIDR" dev lab0
    # Pod routing between nodes: a static route per other node's pod CIDR via that node (the
    # nodes share one L2 segment; see README "Pod routing between nodes").
    for j in $NODE_LIST; do
      [ "$j" = "$k" ] || in_node_k "$k" ip route add "$(node_pod_cidr "$j")" via "$(node_ip "$j")" dev lab0
    done
    in_node_k "$k" sysctl -qw net.ipv4.ip_forward=1
    in_node_k "$k" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
  done
}

# With Cilium, node k > 1 gets a mount namespace of its own where /run/cilium is its own
# directory (see node_mnt in lib.sh): every daemon of the node runs in it, so its sshd and its
# containerd's cilium-cni find the node's own agent at /var/run/cilium, as on a real node.
# A slave copy of the host's mounts, made after the netns (so /run/netns is in it).
setup_node_mounts() {
  [ "$CNI" = cilium ] || return 0
  mkdir -p /run/cilium
  local k
  for k in $(seq 2 "$NODES"); do
    mkdir -p "$(node_cilium_run "$k")"
    touch "$(node_mnt "$k")"
    unshare --mount="$(node_mnt "$k")" --propagation slave mount --bind "$(node_cilium_run "$k")" /run/cilium \
      || die "could not make node $k's mount namespace"
  done
}

# start NAME host|node|node:K COMMAND...: a daemon in the lab cgroup (in node K's network and
# UTS namespaces, and its mount namespace if it has one; "node" is node 1), logging to
# .state/logs/NAME.log
start() {
  local name=$1 where=$2; shift 2
  local logf="$LAB_STATE/logs/$name.log" cg; cg="$(lab_cg_root)/daemons/cgroup.procs"
  mkdir -p "$LAB_STATE/logs"
  if [ "${where%%:*}" = node ]; then
    local k=1 ns; [ "$where" = node ] || k=${where#node:}
    mapfile -t ns < <(node_ns_args "$k")
    ( exec 9<&-; echo "$BASHPID" > "$cg"; exec setsid nsenter "${ns[@]}" -- "$@" ) >"$logf" 2>&1 </dev/null &
  else
    ( exec 9<&-; echo "$BASHPID" > "$cg"; exec setsid "$@" ) >"$logf" 2>&1 </dev/null &
  fi
  echo $! > "$LAB_RUN/pids/$name.pid"
}

alive() { pid_alive "$(cat "$LAB_RUN/pids/$1.pid")"; }
# wait_up NAME SECONDS DESCRIPTION COMMAND...: polls COMMAND; fails early if the daemon died.
wait_up() {
  local name=$1 t=$2 what=$3; shift 3
  local end=$(( $(date +%s) + t ))
  until "$@" >/dev/null 2>&1; do
    if ! alive "$name" || [ "$(date +%s)" -ge "$end" ]; then
      alive "$name" && log "timed out after ${t}s waiting for $what" || log "$name exited"
      log "last lines of $LAB_STATE/logs/$name.log:"; tail -n 25 "$LAB_STATE/logs/$name.log" >&2
      die "$name did not come up (run test/lab/down.sh to clean up)"
    fi
    sleep 0.3
  done
}

write_configs() {
  mkdir -p "$LAB_STATE/config" "$LAB_DATA"
  echo "# pathlight lab: pods with dnsPolicy Default get no upstream resolver (no way out)" > "$LAB_RUN/resolv.conf"
  local ssh="$LAB_STATE/ssh" k; mkdir -p "$ssh"; chmod 700 "$ssh"
  [ -f "$ssh/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "pathlight-lab client" -f "$ssh/id_ed25519"
  cp "$ssh/id_ed25519.pub" "$ssh/authorized_keys"
  : > "$ssh/known_hosts"
  : > "$LAB_STATE/ssh_config.tmp"
  for k in $NODE_LIST; do write_node_configs "$k"; done
  mv "$LAB_STATE/ssh_config.tmp" "$LAB_STATE/ssh_config"
}

# write_node_configs K: node K's CNI, containerd, kubelet, kube-proxy and sshd configs, its
# known_hosts line and ssh_config Host block. Every node has its own sockets, root and state.
write_node_configs() {
  local k=$1 s; s=$(node_sfx "$k")
  local cfg="$LAB_STATE/config" run data name ip sock cgroot
  run=$(node_run "$k") data=$(node_data "$k") name=$(node_name "$k") ip=$(node_ip "$k") sock=$(node_containerd_sock "$k")
  cgroot="/$LAB_CGROUP"; [ "$k" = 1 ] || cgroot="/$LAB_CGROUP/node-$k"
  mkdir -p "$run/cni/net.d" "$data"

  local cni_bin=/usr/lib/cni
  if [ "$CNI" = cilium ]; then
    # cilium-cni asks the agent (over /var/run/cilium/cilium.sock: the node's own, see
    # setup_node_mounts) for the pod's IP from the node's podCIDR and sets up its veth; the
    # agent's tc programs enforce policy. Its own plugin dir: Debian's plugins (containerd's CRI
    # needs loopback) plus cilium-cni.
    cni_bin="$run/cni/bin"
    mkdir -p "$cni_bin"
    ln -sf /usr/lib/cni/* "$cni_bin/"
    ln -sf "$CILIUM_OUT/bin/cilium-cni" "$cni_bin/cilium-cni"
    cat > "$run/cni/net.d/05-cilium.conflist" <<EOF
{"cniVersion":"0.3.1","name":"cilium","plugins":[{"type":"cilium-cni"}]}
EOF
  else
    # ptp: one veth per pod, routed through the node netns, so all pod traffic crosses the
    # node's FORWARD chain where kube-router enforces NetworkPolicy.
    cat > "$run/cni/net.d/10-pathlight-lab.conflist" <<EOF
{"cniVersion":"0.4.0","name":"pathlight-lab","plugins":[
 {"type":"ptp","ipMasq":false,"mtu":1500,
  "ipam":{"type":"host-local","dataDir":"$data/cni/networks","ranges":[[{"subnet":"$(node_pod_cidr "$k")"}]],"routes":[{"dst":"0.0.0.0/0"}]}},
 {"type":"portmap","capabilities":{"portMappings":true}}]}
EOF
  fi

  cat > "$cfg/containerd$s.toml" <<EOF
version = 2
root = "$data/containerd"
state = "$run/containerd"
# "opt" would create /opt/containerd; the lab does not need it.
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "$sock"
[ttrpc]
  address = "$run/containerd/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "pathlight.local/pause:lab"
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$run/runc"
        BinaryName = "$LAB_DIR/runtime/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$cni_bin"
    conf_dir = "$run/cni/net.d"
    max_conf_num = 1
EOF

  cat > "$cfg/kubelet$s.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
tlsCertFile: $PKI/kubelet-serving$s.crt
tlsPrivateKeyFile: $PKI/kubelet-serving$s.key
containerRuntimeEndpoint: unix://$sock
cgroupDriver: cgroupfs
cgroupRoot: $cgroot
failCgroupV1: false
failSwapOn: false
clusterDomain: cluster.local
clusterDNS: [$DNS_VIP]
resolvConf: $LAB_RUN/resolv.conf
podLogsDir: $data/pod-logs
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
syncFrequency: 10s
fileCheckFrequency: 10s
EOF

  cat > "$cfg/kube-proxy$s.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $LAB_STATE/kubeconfigs/kube-proxy$s.kubeconfig}
mode: iptables
clusterCIDR: $POD_CIDR
hostnameOverride: $name
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# 0 = leave the (host-global) conntrack sysctls alone.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
iptables: {syncPeriod: 10s, minSyncPeriod: 1s}
nodePortAddresses: [primary]
EOF

  # sshd for Pathlight's SSH transport: root login with the lab's key only; a host key per node.
  local ssh="$LAB_STATE/ssh"
  [ -f "$ssh/ssh_host_ed25519_key$s" ] || ssh-keygen -q -t ed25519 -N '' -C "$name host key" -f "$ssh/ssh_host_ed25519_key$s"
  cat > "$ssh/sshd_config$s" <<EOF
Port 22
ListenAddress 0.0.0.0
HostKey $ssh/ssh_host_ed25519_key$s
PidFile $run/sshd.pid
AuthorizedKeysFile $ssh/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
EOF
  echo "[127.0.0.1]:$(node_ssh_port "$k") $(cut -d' ' -f1,2 "$ssh/ssh_host_ed25519_key$s.pub")" >> "$ssh/known_hosts"
  cat >> "$LAB_STATE/ssh_config.tmp" <<EOF
# Lab node $name: its sshd (inside the node's network namespace), via a loopback port forward.
Host $name
  HostName 127.0.0.1
  Port $(node_ssh_port "$k")
  User root
  IdentityFile $ssh/id_ed25519
  IdentitiesOnly yes
  UserKnownHostsFile $ssh/known_hosts
  StrictHostKeyChecking yes
EOF
}

start_control_plane() {
  mkdir -p "$LAB_DATA/etcd"; chmod 700 "$LAB_DATA/etcd"
  start etcd node etcd --name lab --data-dir "$LAB_DATA/etcd" \
    --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
    --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
    --initial-cluster lab=http://127.0.0.1:2380 --listen-metrics-urls "" --logger zap
  wait_up etcd 30 "etcd" in_node curl -sf http://127.0.0.1:2379/health

  start kube-apiserver node "$K8S_BIN/kube-apiserver" \
    --etcd-servers=http://127.0.0.1:2379 --bind-address=0.0.0.0 --secure-port=6443 \
    --advertise-address="$NODE_IP" --service-cluster-ip-range="$SVC_CIDR" \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
    --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --requestheader-client-ca-file="$PKI/ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
    --profiling=false --cert-dir="$LAB_DATA/apiserver" --v=1
  # The way in from the host: loopback-only forwards that exec into the node's netns.
  start forward-api host socat "TCP-LISTEN:$API_PORT,bind=127.0.0.1,reuseaddr,fork" \
    "EXEC:nsenter --net=/run/netns/$LAB_NETNS -- socat STDIO TCP\\:127.0.0.1\\:6443"
  wait_up kube-apiserver 90 "kube-apiserver /readyz" kc get --raw /readyz

  start kube-controller-manager node "$K8S_BIN/kube-controller-manager" \
    --kubeconfig="$LAB_STATE/kubeconfigs/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$LAB_STATE/kubeconfigs/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$LAB_STATE/kubeconfigs/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
    --allocate-node-cidrs=false --cluster-cidr="$POD_CIDR" \
    --service-cluster-ip-range="$SVC_CIDR" --profiling=false --v=1
  start kube-scheduler node "$K8S_BIN/kube-scheduler" \
    --kubeconfig="$LAB_STATE/kubeconfigs/scheduler.kubeconfig" \
    --authentication-kubeconfig="$LAB_STATE/kubeconfigs/scheduler.kubeconfig" \
    --authorization-kubeconfig="$LAB_STATE/kubeconfigs/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --leader-elect=false --profiling=false --v=1
}

# Slots: the scenarios pin their pods with nodeSelector pathlight.dev/lab-slot-S=true (S 1..3);
# node k carries the slots S with min(S, LAB_NODES) = k, so every slot has a node whatever the
# number of nodes (one node carries all three; of two nodes, node 2 carries 2 and 3).
node_labels() {
  local k=$1 sl out=""
  for sl in 1 2 3; do
    [ "$(( sl < NODES ? sl : NODES ))" = "$k" ] && out="$out${out:+,}pathlight.dev/lab-slot-$sl=true"
  done
  echo "$out"
}

# start_runtime K: node K's containerd, with the lab's images imported.
start_runtime() {
  local k=$1 s sock img; s=$(node_sfx "$k") sock=$(node_containerd_sock "$k")
  start "containerd$s" "node:$k" containerd --config "$LAB_STATE/config/containerd$s.toml"
  wait_up "containerd$s" 30 "containerd on $(node_name "$k")" ctr --address "$sock" version
  for img in pause busybox coredns probe hubble-relay; do
    [ "$img" = hubble-relay ] && [ "$CNI" != cilium ] && continue
    [ "$img" != probe ] && [ "$img" != hubble-relay ] || [ -f "$LAB_CACHE/images/$img.tar" ] || continue   # optional
    ctr --address "$sock" --namespace k8s.io images import --no-unpack "$LAB_CACHE/images/$img.tar" >/dev/null \
      || die "could not import image $img into containerd on $(node_name "$k")"
  done
}

# start_node K: node K's kubelet, kube-proxy, sshd and its SSH port forward.
start_node() {
  local k=$1 s name ip; s=$(node_sfx "$k") name=$(node_name "$k") ip=$(node_ip "$k")
  mkdir -p "$(node_data "$k")/kubelet"
  start "kubelet$s" "node:$k" "$K8S_BIN/kubelet" --config="$LAB_STATE/config/kubelet$s.yaml" \
    --kubeconfig="$LAB_STATE/kubeconfigs/kubelet$s.kubeconfig" --root-dir="$(node_data "$k")/kubelet" \
    --hostname-override="$name" --node-ip="$ip" --node-labels="$(node_labels "$k")" --v=1
  start "kube-proxy$s" "node:$k" "$K8S_BIN/kube-proxy" --config="$LAB_STATE/config/kube-proxy$s.yaml" --v=1

  mkdir -p /run/sshd
  start "sshd$s" "node:$k" /usr/sbin/sshd -D -e -f "$LAB_STATE/ssh/sshd_config$s"
  start "forward-ssh$s" host socat "TCP-LISTEN:$(node_ssh_port "$k"),bind=127.0.0.1,reuseaddr,fork" \
    "EXEC:nsenter --net=/run/netns/$(node_netns "$k") -- socat STDIO TCP\\:127.0.0.1\\:22"
}

# start_firewall K: node K's NetworkPolicy enforcer, kube-router's firewall controller only
# (iptables + ipset). Once the Node exists: kube-router exits when it cannot find its Node.
start_firewall() {
  local k=$1 s name; s=$(node_sfx "$k") name=$(node_name "$k")
  start "kube-router$s" "node:$k" "$KUBE_ROUTER_BIN/kube-router" \
    --kubeconfig="$LAB_STATE/kubeconfigs/kube-router$s.kubeconfig" --hostname-override="$name" \
    --run-firewall=true --run-router=false --run-service-proxy=false --enable-cni=false \
    --enable-ipv4=true --enable-ipv6=false --service-cluster-ip-range="$SVC_CIDR" \
    --metrics-port=0 --health-port=20244 --v=1
}

# Cilium: the operator (on node 1; registers Cilium's CRDs, garbage-collects identities) and an
# agent per node (test/lab/cilium/agent.sh has its settings), each once its Node has its podCIDR.
start_cilium_operator() {
  start cilium-operator node "$CILIUM_OUT/bin/cilium-operator-generic" \
    --k8s-kubeconfig-path="$LAB_STATE/kubeconfigs/cilium.kubeconfig" --cluster-name=pathlight-lab \
    --identity-allocation-mode=crd --ipam=kubernetes
}
start_cilium_agent() {
  start "cilium-agent$(node_sfx "$1")" "node:$1" unshare --mount --propagation slave bash "$LAB_DIR/cilium/agent.sh" "$1"
}
# cilium_ready K: node K's agent answers OK on its API socket (the node's /var/run/cilium).
cilium_ready() { in_node_k "$1" "$CILIUM_OUT/bin/cilium-dbg" status --brief 2>/dev/null | grep -qx OK; }

start_nodes() {
  local k pids=() p
  # The runtimes (and their image imports) in parallel: they are independent.
  for k in $NODE_LIST; do start_runtime "$k" & pids+=($!); done
  for p in "${pids[@]}"; do wait "$p" || die "a node's container runtime did not come up"; done
  for k in $NODE_LIST; do start_node "$k"; done
  # Node k's pod CIDR is fixed (its CNI config and the other nodes' routes use
  # 10.244.(k-1).0/24), so up.sh sets it on the Node as soon as it registers, instead of the
  # controller-manager's allocator (which hands them out in whatever order it sees the nodes).
  local cidr
  [ "$CNI" = cilium ] && start_cilium_operator
  for k in $NODE_LIST; do
    wait_up "kubelet$(node_sfx "$k")" 60 "node $(node_name "$k") to register" kc get node "$(node_name "$k")"
    cidr=$(node_pod_cidr "$k")
    kc patch node "$(node_name "$k")" --type merge -p "{\"spec\":{\"podCIDR\":\"$cidr\",\"podCIDRs\":[\"$cidr\"]}}" >/dev/null \
      || die "could not set the pod CIDR of $(node_name "$k")"
    if [ "$CNI" = cilium ]; then start_cilium_agent "$k"; else start_firewall "$k"; fi
  done
  # The agents compile their datapath at start, in parallel (clang on 2 busy cores: minutes).
  if [ "$CNI" = cilium ]; then
    for k in $NODE_LIST; do
      wait_up "cilium-agent$(node_sfx "$k")" 600 "cilium-agent on $(node_name "$k") to be ready (cilium-dbg status)" cilium_ready "$k"
    done
  fi
}

# Every node has the pod CIDR its CNI config uses (see start_nodes).
has_pod_cidr() { [ -n "$(kc get node "$1" -o jsonpath='{.spec.podCIDR}')" ]; }
check_pod_cidrs() {
  local k got
  for k in $NODE_LIST; do
    wait_for 30 "pod CIDR of $(node_name "$k")" has_pod_cidr "$(node_name "$k")"
    got=$(kc get node "$(node_name "$k")" -o jsonpath='{.spec.podCIDR}')
    [ "$got" = "$(node_pod_cidr "$k")" ] || die "node $(node_name "$k") was given pod CIDR '$got', its CNI uses $(node_pod_cidr "$k")"
  done
}

# RBAC for the components, CoreDNS, CRDs: before the node starts, so kube-router can list
# from its first second.
apply_base() {
  kc apply --server-side --force-conflicts -f "$LAB_DIR/manifests/" -f "$LAB_DIR/crds/" >/dev/null \
    || die "could not apply test/lab/manifests and test/lab/crds"
}
# The scenario files for this many nodes: a file whose header says "# lab-min-nodes: N" needs
# N nodes to mean what it says (the transit scenario), and is left out of a smaller lab.
scenario_files() {
  local f n
  for f in "$LAB_DIR"/scenarios/*.yaml; do
    n=$(sed -n 's/^# lab-min-nodes: *\([0-9]\+\).*/\1/p' "$f" | head -n 1)
    [ "${n:-1}" -le "$NODES" ] && echo "$f"
  done
}
apply_scenarios() {
  wait_for 30 "AdminNetworkPolicy CRD" kc wait --for=condition=Established --timeout=1s \
    crd/adminnetworkpolicies.policy.networking.k8s.io crd/baselineadminnetworkpolicies.policy.networking.k8s.io \
    || die "the AdminNetworkPolicy CRDs did not become established"
  local args=() f
  for f in $(scenario_files); do args+=(-f "$f"); done
  # Cilium's own policy kinds: only where Cilium runs (its operator registers the CRDs).
  if [ "$CNI" = cilium ]; then
    wait_for 120 "Cilium's policy CRDs" kc wait --for=condition=Established --timeout=1s \
      crd/ciliumnetworkpolicies.cilium.io crd/ciliumclusterwidenetworkpolicies.cilium.io \
      || die "Cilium's CRDs did not become established (see $LAB_STATE/logs/cilium-operator.log)"
    for f in "$LAB_DIR"/scenarios/cilium/*.yaml; do args+=(-f "$f"); done
  fi
  kc apply --server-side --force-conflicts "${args[@]}" >/dev/null || die "could not apply test/lab/scenarios"
  # Hubble Relay (cilium/hubble-relay.yaml): its peer service is node 1's agent's Hubble port,
  # which lists every node's (each agent listens on :4244 in its node's netns, see agent.sh).
  if [ "$CNI" = cilium ] && [ -f "$LAB_CACHE/images/hubble-relay.tar" ]; then
    sed "s|__PEER__|$NODE_IP:4244|" "$LAB_DIR/cilium/hubble-relay.yaml" | kc apply --server-side --force-conflicts -f - >/dev/null \
      || die "could not apply test/lab/cilium/hubble-relay.yaml"
  fi
}

# Every scenario pod Running with an IP (readiness is the scenarios' business: one is never Ready).
scenario_pods_running() {
  local o
  o=$(kc get pods -A -l pathlight.dev/lab-scenario --no-headers -o custom-columns=P:.status.phase,IP:.status.podIP) || return 1
  [ -n "$o" ] && ! grep -qv 'Running *[0-9]' <<<"$o"
}
wait_ready() {
  local k
  for k in $NODE_LIST; do
    wait_for 90 "node $(node_name "$k") Ready" node_ready_k "$k" \
      || die "node $(node_name "$k") is not Ready (see $LAB_STATE/logs/kubelet$(node_sfx "$k").log)"
  done
  wait_for 90 "CoreDNS ready" kc -n kube-system wait --for=condition=Available --timeout=1s deploy/coredns \
    || die "CoreDNS did not become available (test/lab/kubectl -n kube-system describe pod -l k8s-app=kube-dns)"
  if [ "$CNI" = cilium ] && [ -f "$LAB_CACHE/images/hubble-relay.tar" ]; then
    wait_for 90 "Hubble Relay ready" kc -n kube-system wait --for=condition=Available --timeout=1s deploy/hubble-relay \
      || die "Hubble Relay did not become available (test/lab/kubectl -n kube-system logs deploy/hubble-relay)"
  fi
  wait_for 120 "scenario pods Running" scenario_pods_running \
    || { kc get pods -A -l pathlight.dev/lab-scenario -o wide >&2; die "scenario pods did not all reach Running"; }
}

# Facts for test code (the TypeScript suites read this instead of parsing ssh_config).
# "node" is node 1 (the single-node lab's field); "nodes" lists every node.
node_json() {
  local k=$1
  printf '{"name": "%s", "internalIP": "%s", "podCIDR": "%s", "netns": "%s",\n' \
    "$(node_name "$k")" "$(node_ip "$k")" "$(node_pod_cidr "$k")" "$(node_netns "$k")"
  # With Cilium: the node agent's Hubble socket as this machine sees it (on the node itself, over
  # its sshd, it is /var/run/cilium/hubble.sock).
  [ "$CNI" = cilium ] && printf '     "hubbleSocket": "%s",\n' "$(node_cilium_run "$k")/hubble.sock"
  printf '     "ssh": {"host": "127.0.0.1", "port": %s, "user": "root", "identityFile": "%s", "knownHostsFile": "%s"}}' \
    "$(node_ssh_port "$k")" "$LAB_STATE/ssh/id_ed25519" "$LAB_STATE/ssh/known_hosts"
}
write_lab_json() {
  local k nodes=""
  for k in $NODE_LIST; do nodes="$nodes${nodes:+,
    }$(node_json "$k")"; done
  cat > "$LAB_STATE/lab.json.tmp" <<EOF
{
  "version": 1,
  "kubernetesVersion": "$K8S_VERSION",
  "cni": "$CNI",
  "apiServer": "https://127.0.0.1:$API_PORT",
  "adminKubeconfig": "$LAB_STATE/admin.kubeconfig",
  "restrictedKubeconfig": "$LAB_STATE/restricted.kubeconfig",
  "restrictedUser": "pathlight-readonly",
  "restrictedNamespace": "lab-healthy",
  "sshConfig": "$LAB_STATE/ssh_config",
  "node": $(node_json 1),
  "nodes": [
    $nodes
  ],
  "podCIDR": "$NODE_POD_CIDR",
  "clusterCIDR": "$POD_CIDR",
  "serviceCIDR": "$SVC_CIDR",
  "clusterDNS": "$DNS_VIP",
  "clusterDomain": "cluster.local",
  "images": {"busybox": "pathlight.local/busybox:lab", "pause": "pathlight.local/pause:lab", "coredns": "pathlight.local/coredns:lab", "probe": "pathlight.local/probe:lab"},
  "scenarioLabel": "pathlight.dev/lab-scenario",
  "scenarioAnnotations": {"fault": "pathlight.dev/fault", "expectedDiagnosis": "pathlight.dev/expected-diagnosis"}
}
EOF
  mv "$LAB_STATE/lab.json.tmp" "$LAB_STATE/lab.json"
}

if [ -n "${APPLY_ONLY:-}" ]; then
  apply_base
  apply_scenarios
  wait_ready
  write_lab_json
  log "lab up (already running, $NODES node(s)), ${SECONDS}s"
  exit 0
fi

mkdir -p "$LAB_STATE" "$LAB_RUN" "$LAB_DATA"
# Root only: .state has the keys; $LAB_DATA has etcd (Secrets) and the pods' service-account tokens.
chmod 700 "$LAB_STATE" "$LAB_RUN" "$LAB_DATA"
save_host_state
setup_cgroups
setup_netns
setup_node_mounts
gen_pki
gen_kubeconfigs
write_configs
start_control_plane
apply_base
start_nodes
check_pod_cidrs
apply_scenarios
wait_ready
write_lab_json
log "lab up in $(( $(date +%s) - T0 ))s ($NODES node(s): $(for k in $NODE_LIST; do printf '%s ' "$(node_name "$k")"; done| sed 's/ $//')): KUBECONFIG=$LAB_STATE/admin.kubeconfig, ssh -F $LAB_STATE/ssh_config $LAB_NODE"
