#!/usr/bin/env bash
# Cilium lab smoke test: records the host's BPF state, tears down any running lab, brings the
# lab up with LAB_CNI=cilium (LAB_NODES nodes, default 2: a cilium-agent on each), checks that
# Cilium is the CNI on every node and really enforces (allowed traffic through a Service flows
# from a pod on node 1 to a pod on node 2; a CiliumNetworkPolicy and a
# CiliumClusterwideNetworkPolicy drop what node 1's client sends to node 2's backend, and Hubble
# on the backend's node says so with Cilium's drop reason, read on this machine and through the
# node's sshd), that nothing BPF reached the host, then runs down.sh and checks that nothing is
# left. `npm test` runs it when Cilium's build is cached (its cold build takes ≈20 min and is
# not part of `npm test`: test/lab/cilium/build.sh).
#
#   test/lab/cilium/test.sh                 # full run: down, up (2 nodes), checks, down, leftovers
#   test/lab/cilium/test.sh --keep          # leave the Cilium lab up after the checks
#   LAB_NODES=1 test/lab/cilium/test.sh     # the single-node Cilium lab
#
# One line per check (PASS/FAIL); last line "cilium lab: N passed, N failed"; exit status 1 when
# anything failed.
set -uo pipefail
. "$(dirname "$0")/../lib.sh"
need_root
lab_lock

KEEP=0
case "${1:-}" in
  --keep) KEEP=1 ;;
  "") ;;
  *) die "usage: test/lab/cilium/test.sh [--keep]" ;;
esac
NODES=${LAB_NODES:-2}
case "$NODES" in [1-9]) ;; *) die "LAB_NODES=$NODES: 1 to $LAB_MAX_NODES" ;; esac
[ -f "$CILIUM_OUT/.complete" ] || die "Cilium is not built: run test/lab/cilium/build.sh (≈20 min cold)"
command -v bpftool >/dev/null || die "bpftool is missing (apt-get install bpftool)"
# tcx/main.go: lists tcx attachments, which Debian 12's bpftool cannot show. Built in the Cilium
# wrapper module (same github.com/cilium/ebpf as the agent), as check-datapath.sh builds its tool.
TCX="$CILIUM_OUT/tools/tcx"
if [ ! -x "$TCX" ] || [ "$LAB_DIR/cilium/tcx/main.go" -nt "$TCX" ]; then
  mkdir -p "$CILIUM_OUT/src/tcx" "$CILIUM_OUT/tools"
  cp "$LAB_DIR/cilium/tcx/main.go" "$CILIUM_OUT/src/tcx/main.go"
  (
    export GOMODCACHE="$LAB_CACHE/go/mod" GOCACHE="$LAB_CACHE/go/build" CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false"
    if [ "$(GOTOOLCHAIN=local go env GOVERSION)" = "$GO_TOOLCHAIN" ]; then export GOTOOLCHAIN=local; else export GOTOOLCHAIN="$GO_TOOLCHAIN"; fi
    cd "$CILIUM_OUT/src" && nice -n 10 go build -trimpath -o "$TCX" ./tcx
  ) || die "building test/lab/cilium/tcx failed"
fi
PASS=0 FAIL=0
T0=$(date +%s)
pass() { PASS=$((PASS + 1)); printf 'PASS  %s\n' "$*"; }
fail() { FAIL=$((FAIL + 1)); printf 'FAIL  %s\n' "$*"; }
# check DESCRIPTION COMMAND...: PASS when COMMAND succeeds; on failure its output, indented.
check() {
  local what=$1 out; shift
  if out=$("$@" 2>&1); then pass "$what"; else fail "$what"; printf '%s\n' "$out" | tail -n 12 | sed 's/^/      /'; fi
}
HUBBLE="$CILIUM_OUT/bin/hubble"
DBG="$CILIUM_OUT/bin/cilium-dbg"
pexec() { local ns=$1 app=$2; shift 2; kc -n "$ns" exec "deploy/$app" -c "$app" -- "$@"; }
has() {
  local pat=$1 o; shift
  o=$("$@" 2>&1)
  grep -qE -- "$pat" <<<"$o" || { printf '%s\n' "$o" | tail -n 8; return 1; }
}
node_of() { kc -n "$1" get pod -l "app=$2" -o jsonpath='{.items[0].spec.nodeName}'; }
node_index() { local k; for k in $(seq 1 "$NODES"); do [ "$(node_name "$k")" = "$1" ] && echo "$k" && return; done; echo 1; }
# hubble_k K ARGS...: `hubble observe` on node K's agent, through the socket as this machine sees
# it (node 1: /var/run/cilium/hubble.sock; node k: its own directory, see node_mnt in lib.sh).
hubble_k() { local k=$1; shift; "$HUBBLE" observe --server "unix://$(node_cilium_run "$k")/hubble.sock" "$@"; }
# lssh NODE COMMAND: a command on the node through its sshd (the lab's ssh_config), as Pathlight goes.
lssh() { ssh -F "$LAB_STATE/ssh_config" -o BatchMode=yes -o ConnectTimeout=5 "$@"; }

# ------------------------------------------------------------------ host baseline
# The cgroup2 hierarchy is one per machine (/sys/fs/cgroup/unified here): a program attached at
# its root would see every socket of the machine. The host netns's tc/xdp must stay untouched
# too, and so must the host-global sysctls the agent's loader would like to set.
CG2=/sys/fs/cgroup/unified
cg_v2 && CG2=/sys/fs/cgroup
host_bpf() {
  echo "--- bpftool cgroup tree $CG2"; bpftool cgroup tree "$CG2" 2>&1
  echo "--- bpftool net (host netns)"; bpftool net 2>&1
  echo "--- tcx (host netns)"; "$TCX" 2>&1
  echo "--- sysctl"
  for s in kernel.unprivileged_bpf_disabled kernel.timer_migration net.core.bpf_jit_enable; do echo "$s=$(sysctl -n $s)"; done
  echo "--- bpf/cgroup2 mounts"; awk '$3 == "bpf" || $3 == "cgroup2" {print $2, $3}' /proc/self/mounts | sort
}
"$LAB_DIR/down.sh" >/dev/null 2>&1 || true
BEFORE=$(host_bpf)
run_cilium_existed=0; [ -e /run/cilium ] && run_cilium_existed=1

# ------------------------------------------------------------------ up
t_up=$(date +%s)
if LAB_CNI=cilium LAB_NODES=$NODES "$LAB_DIR/up.sh"; then
  pass "LAB_CNI=cilium LAB_NODES=$NODES up.sh ($(( $(date +%s) - t_up ))s)"
else
  fail "LAB_CNI=cilium LAB_NODES=$NODES up.sh"
fi

# ------------------------------------------------------------------ Cilium is the CNI, on every node
# Each node's agent answers on its own API socket: in_node_k enters the node's namespaces, where
# /var/run/cilium is that node's (node 1: the host's).
agent_ok() { in_node_k "$1" "$DBG" status --brief | grep -qx OK; }
for k in $(seq 1 "$NODES"); do
  check "cilium-agent on $(node_name "$k") is healthy (cilium-dbg status --brief: OK)" agent_ok "$k"
done
check "kube-router is not running" sh -c "! pgrep -x kube-router"
nodes_ready() {
  local o; o=$(kc get nodes --no-headers | awk '{print $1, $2}')
  printf '%s\n' "$o"
  [ "$(grep -c . <<<"$o")" = "$NODES" ] && ! awk '{print $2}' <<<"$o" | grep -qvx Ready
}
check "$NODES node(s), all Ready" nodes_ready
check "every node Ready, every lab daemon running (status.sh)" "$LAB_DIR/status.sh"
# Every pod that is not hostNetwork is a Cilium endpoint with its IP, of the agent of its own node.
pods_are_endpoints() {
  local pods eps k missing=""
  pods=$(kc get pods -A -o json | jq -r '.items[] | select(.spec.hostNetwork != true) | "\(.metadata.namespace)/\(.metadata.name) \(.status.podIP) \(.spec.nodeName)"')
  for k in $(seq 1 "$NODES"); do
    eps=$(in_node_k "$k" "$DBG" endpoint list -o json | jq -r '.[].status.networking.addressing[]?.ipv4 // empty')
    echo "$(node_name "$k"): $(awk -v n="$(node_name "$k")" '$3 == n' <<<"$pods" | grep -c .) pods, $(grep -c . <<<"$eps") Cilium endpoints"
    missing+=$(awk -v n="$(node_name "$k")" '$3 == n {print $1, $2}' <<<"$pods" | while read -r p ip; do grep -qx "$ip" <<<"$eps" || echo "$p ($ip) "; done)
  done
  [ -z "$missing" ] || { echo "not Cilium endpoints of their node's agent: $missing"; return 1; }
}
check "every pod got its IP from cilium-cni (is a Cilium endpoint of its node's agent)" pods_are_endpoints

# ------------------------------------------------------------------ traffic (across the nodes with 2+)
FE_NODE=$(node_of lab-healthy frontend) BE_NODE=$(node_of lab-healthy backend) DB_NODE=$(node_of lab-healthy db)
if [ "$NODES" -ge 2 ]; then
  check "placement: lab-healthy frontend on $(node_name 1), backend on $(node_name 2)" \
    test "$FE_NODE $BE_NODE" = "$(node_name 1) $(node_name 2)"
fi
check "pod -> Service -> pod: lab-healthy frontend ($FE_NODE) gets http://backend:8080/ ($BE_NODE)" \
  has '^backend ok$' pexec lab-healthy frontend timeout 5 wget -q -O - http://backend:8080/
be_ip=$(kc -n lab-healthy get pod -l app=backend -o jsonpath='{.items[0].status.podIP}')
check "pod -> pod IP: lab-healthy frontend ($FE_NODE) -> $be_ip:8080 ($BE_NODE)" \
  has '^backend ok$' pexec lab-healthy frontend timeout 5 wget -q -O - "http://$be_ip:8080/"
check "pod -> Service -> pod the other way: lab-healthy backend ($BE_NODE) -> db:5432 ($DB_NODE)" \
  has '^db-ok$' pexec lab-healthy backend sh -c 'echo | nc -w 3 db 5432'
DNS_NODE=$(kc -n kube-system get pod -l k8s-app=kube-dns -o jsonpath='{.items[0].spec.nodeName}')
svc_ip=$(kc -n lab-healthy get svc backend -o jsonpath='{.spec.clusterIP}')
check "DNS from $FE_NODE through CoreDNS ($DNS_NODE): backend.lab-healthy -> $svc_ip" \
  has "Address: $svc_ip\$" pexec lab-healthy frontend nslookup backend.lab-healthy.svc.cluster.local
if [ "$BE_NODE" != "$FE_NODE" ]; then
  check "DNS from $BE_NODE through CoreDNS ($DNS_NODE): backend.lab-healthy -> $svc_ip" \
    has "Address: $svc_ip\$" pexec lab-healthy backend nslookup backend.lab-healthy.svc.cluster.local
fi

# dropped NS: the client's connection to the backend pod times out (no RST: a drop, not a refusal)
dropped() {
  local ns=$1 ip t0 t
  ip=$(kc -n "$ns" get pod -l app=backend -o jsonpath='{.items[0].status.podIP}')
  t0=$(date +%s)
  if pexec "$ns" frontend nc -w 3 "$ip" 8080 </dev/null; then echo "connected to $ip:8080"; return 1; fi
  t=$(( $(date +%s) - t0 ))
  echo "nc to $ip:8080 failed after ${t}s"
  [ "$t" -ge 3 ] || { echo "failed fast: refused, not dropped"; return 1; }
}
# hubble_drop NS REASON: Hubble on the backend's node (ingress policy is enforced there) saw
# frontend -> backend:8080 DROPPED for REASON
hubble_drop() {
  local ns=$1 reason=$2 out
  out=$(hubble_k "$(node_index "$(node_of "$ns" backend)")" --since 2m --verdict DROPPED \
    --from-pod "$ns/frontend" --to-pod "$ns/backend" --to-port 8080 -o compact 2>&1)
  printf '%s\n' "$out" | tail -n 3
  grep -q "$reason DROPPED" <<<"$out"
}
# not_dropped_on_a NS: the client's node (when it is not the backend's) forwarded the packets
# (Hubble there has them FORWARDED, none DROPPED): the drop is the backend node's.
not_dropped_on_a() {
  local ns=$1 k out
  k=$(node_index "$(node_of "$ns" frontend)")
  out=$(hubble_k "$k" --since 2m --from-pod "$ns/frontend" --to-pod "$ns/backend" --to-port 8080 -o compact 2>&1)
  printf '%s\n' "$out" | tail -n 2
  grep -q "FORWARDED" <<<"$out" && ! grep -q "DROPPED" <<<"$out"
}
DENY_A=$(node_of lab-cilium-deny frontend) DENY_B=$(node_of lab-cilium-deny backend)
check "CiliumNetworkPolicy: lab-cilium-deny frontend ($DENY_A) -> backend:8080 ($DENY_B) times out" dropped lab-cilium-deny
check "Hubble on $DENY_B: lab-cilium-deny frontend -> backend:8080 DROPPED, \"Policy denied\"" hubble_drop lab-cilium-deny "Policy denied"
if [ "$DENY_A" != "$DENY_B" ]; then
  check "Hubble on $DENY_A (the client's node): the same packets FORWARDED, none DROPPED" not_dropped_on_a lab-cilium-deny
  # The node's own sshd sees the node's own agent at Cilium's default path, as Pathlight reads it
  # (ssh://NODE means /var/run/cilium/hubble.sock on NODE).
  ssh_hubble_drop() {
    local out
    out=$(lssh "$DENY_B" "$HUBBLE" observe --server unix:///var/run/cilium/hubble.sock --since 2m --verdict DROPPED \
      --from-pod lab-cilium-deny/frontend --to-pod lab-cilium-deny/backend --to-port 8080 -o compact 2>&1)
    printf '%s\n' "$out" | tail -n 2
    grep -q "Policy denied DROPPED" <<<"$out"
  }
  check "ssh -F .state/ssh_config $DENY_B hubble observe: the cross-node drop, \"Policy denied\"" ssh_hubble_drop
fi
# Control: the drop is the policy's doing. An extra CNP that allows frontend -> backend:8080
# (allow rules add up) lets the same connection through, and Hubble sees it FORWARDED.
allowed_with_extra_rule() {
  local rc=0
  kc apply -f - >/dev/null <<'EOF' || return 1
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: test-allow-frontend, namespace: lab-cilium-deny}
spec:
  endpointSelector: {matchLabels: {app: backend}}
  ingress:
  - fromEndpoints: [{matchLabels: {app: frontend}}]
    toPorts: [{ports: [{port: "8080", protocol: TCP}]}]
EOF
  wait_for 20 "the allow rule to take effect" pexec lab-cilium-deny frontend timeout 3 wget -q -O /dev/null http://backend:8080/ || rc=1
  hubble_k "$(node_index "$DENY_B")" --since 1m --verdict FORWARDED \
    --from-pod lab-cilium-deny/frontend --to-pod lab-cilium-deny/backend --to-port 8080 -o compact | tail -n 2
  kc -n lab-cilium-deny delete cnp test-allow-frontend --wait >/dev/null || rc=1
  return $rc
}
check "control: with an extra CNP allowing frontend -> backend:8080, lab-cilium-deny's connection succeeds" allowed_with_extra_rule
check "… and is dropped again once that CNP is deleted" dropped lab-cilium-deny
CCNP_A=$(node_of lab-cilium-ccnp frontend) CCNP_B=$(node_of lab-cilium-ccnp backend)
check "CiliumClusterwideNetworkPolicy: lab-cilium-ccnp frontend ($CCNP_A) -> backend:8080 ($CCNP_B) times out" dropped lab-cilium-ccnp
check "Hubble on $CCNP_B: lab-cilium-ccnp frontend -> backend:8080 DROPPED, \"Policy denied by denylist\"" hubble_drop lab-cilium-ccnp "Policy denied by denylist"

# Egress without DNS: the name does not resolve, Hubble shows the DNS query dropped by policy,
# and the allowed part of the policy (the backend's pod IP on 8080) still works.
dns_denied() {
  if pexec lab-cilium-egress-dns frontend nslookup backend.lab-cilium-egress-dns.svc.cluster.local; then return 1; fi
}
# (egress policy: enforced on the client's node)
hubble_dns_drop() {
  local out
  out=$(hubble_k "$(node_index "$(node_of lab-cilium-egress-dns frontend)")" --since 2m --verdict DROPPED \
    --from-pod lab-cilium-egress-dns/frontend --to-port 53 -o compact 2>&1)
  printf '%s\n' "$out" | tail -n 2
  grep -q "kube-system/coredns.*Policy denied DROPPED" <<<"$out"
}
egress_pod_ip_ok() {
  local ip; ip=$(kc -n lab-cilium-egress-dns get pod -l app=backend -o jsonpath='{.items[0].status.podIP}')
  pexec lab-cilium-egress-dns frontend timeout 5 wget -q -O /dev/null "http://$ip:8080/"
}
check "CNP egress without DNS: lab-cilium-egress-dns frontend cannot resolve backend" dns_denied
check "Hubble on $(node_of lab-cilium-egress-dns frontend): lab-cilium-egress-dns frontend -> kube-dns :53 DROPPED, \"Policy denied\"" hubble_dns_drop
check "CNP egress without DNS: frontend ($(node_of lab-cilium-egress-dns frontend)) -> backend pod IP:8080 ($(node_of lab-cilium-egress-dns backend); allowed by the policy) works" egress_pod_ip_ok

# ------------------------------------------------------------------ each node's sshd sees its own agent
# `ssh NODE` lands in the node's mount namespace (node 1: the host's), where
# /var/run/cilium/{cilium,hubble}.sock are that node's agent's: Hubble's flows there carry the
# node's name (pathlight-lab/NODE) and no other.
ssh_own_hubble() {
  local n=$1 names
  names=$(lssh "$n" "$HUBBLE" observe --server unix:///var/run/cilium/hubble.sock --last 200 -o jsonpb 2>&1 | jq -r '.flow.node_name // .node_name // empty' | sort | uniq -c)
  printf '%s\n' "$names"
  [ -n "$names" ] && [ "$(awk '{print $2}' <<<"$names")" = "pathlight-lab/$n" ]
}
for k in $(seq 1 "$NODES"); do
  n=$(node_name "$k")
  check "ssh -F .state/ssh_config $n cilium-dbg status --brief: OK (the node's own API socket)" has '^OK$' lssh "$n" "$DBG" status --brief
  check "ssh -F .state/ssh_config $n hubble observe: flows, all of them $n's (node_name pathlight-lab/$n)" ssh_own_hubble "$n"
done

# Pathlight's own Hubble client against this lab (vitest project "cilium", test/lab/cilium/tests).
if command -v vitest >/dev/null; then
  out=$(mktemp)
  if (cd "$LAB_DIR/../.." && NO_COLOR=1 vitest run --project cilium) > "$out" 2>&1; then
    pass "vitest cilium project against the Cilium lab: $(grep -Eo 'Tests +[0-9]+ passed' "$out" | tr -s ' ')"
  else fail "vitest cilium project failed"; sed 's/^/      /' "$out" | tail -40; fi
  rm -f "$out"
else
  printf 'skip  vitest cilium project: vitest is not on PATH (source scripts/node-env.sh first)\n'
fi

# ------------------------------------------------------------------ nothing BPF on the host
# (The tcx tool sees the agent's programs where they are: on the node's lab0.)
node_tcx() { local out; out=$(in_node_k "$1" "$TCX") || return 1; printf '%s\n' "$out" | head -n 4; grep -qE '^lab0 ingress prog [0-9]+ cil_from_netdev$' <<<"$out"; }
for k in $(seq 1 "$NODES"); do
  check "tcx in $(node_name "$k")'s netns: Cilium's cil_from_netdev on lab0" node_tcx "$k"
done
same_as_before() { diff <(printf '%s\n' "$BEFORE") <(host_bpf); }
check "while up: host cgroup2 root, host netns tc/xdp/tcx, kernel sysctls, bpf mounts unchanged" same_as_before

[ $KEEP = 1 ] && { echo "cilium lab: $PASS passed, $FAIL failed (lab left up)"; [ $FAIL -eq 0 ]; exit; }

# ------------------------------------------------------------------ down and leftovers
check "down.sh" "$LAB_DIR/down.sh"
check "after down: host cgroup2 root, host netns tc/xdp/tcx, kernel sysctls, bpf mounts as before" same_as_before
check "no lab network namespace" sh -c "! ip netns list | grep -q '^pathlight-lab'"
check "no mount under $LAB_RUN or $LAB_DATA" sh -c "! awk '{print \$2}' /proc/self/mounts | grep -E '^($LAB_RUN|$LAB_DATA)(/|\$)'"
# (node k's own mount namespace, and the agents' inside them, went with their processes)
no_lab_mount_anywhere() {
  local hits; hits=$(grep -lE " ($LAB_RUN|$LAB_DATA|/run/cilium)(/| )" /proc/[0-9]*/mountinfo 2>/dev/null)
  [ -z "$hits" ] || { printf '%s\n' "$hits" | head -n 5; return 1; }
}
check "no process in any mount namespace with a mount under $LAB_RUN, $LAB_DATA or /run/cilium" no_lab_mount_anywhere
check "no process in the lab's cgroups" sh -c "[ -z \"\$(. '$LAB_DIR/lib.sh'; lab_pids)\" ]"
check "no cilium-agent/operator process" sh -c "! pgrep -f '^$CILIUM_OUT/bin/'"
# The agent's programs and maps were pinned only in its own bpffs (test/lab/cilium/agent.sh):
# once it is gone, the kernel has freed them (names as Cilium's bpf/ gives them: cil_*, cilium_*).
cilium_objects() { bpftool prog show 2>/dev/null | grep -E ' name cil_'; bpftool map show 2>/dev/null | grep -E ' name cilium_'; }
check "no Cilium BPF program or map left in the kernel" sh -c "! { $(declare -f cilium_objects); cilium_objects; } | grep ."
if [ $run_cilium_existed = 0 ]; then
  check "/run/cilium removed" sh -c "[ ! -e /run/cilium ]"
fi
check "no $LAB_RUN, $LAB_DATA" sh -c "[ ! -e '$LAB_RUN' ] && [ ! -e '$LAB_DATA' ]"

echo "cilium lab: total $(( $(date +%s) - T0 ))s"
echo "cilium lab: $PASS passed, $FAIL failed"
[ $FAIL -eq 0 ]
