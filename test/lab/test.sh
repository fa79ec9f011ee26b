#!/usr/bin/env bash
# Lab smoke test: tears down any running lab, brings it up from cached builds (setup.sh must
# have run), checks that the cluster really works (nodes, pods, DNS, Services, NetworkPolicy
# enforcement, SSH, RBAC, and — when the probe agent is built — that the agent sees the drop),
# then runs down.sh and checks that nothing is left behind on the host.
#
#   test/lab/test.sh           # full run: down, up, checks, down, leftovers
#   test/lab/test.sh --keep    # fresh up and checks, then leave the lab up (debugging)
#   test/lab/test.sh --reuse   # checks against the running lab (up.sh if it is not up); no down
#
# Last line: "lab: N passed, N failed"; exit status is non-zero when anything failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_root
lab_lock

KEEP=0 REUSE=0
case "${1:-}" in
  --keep) KEEP=1 ;;
  --reuse) KEEP=1 REUSE=1 ;;
  "") ;;
  *) die "usage: test/lab/test.sh [--keep|--reuse]" ;;
esac
PROBE="$LAB_PROBE"
PASS=0 FAIL=0 SKIP=0
T_START=$(date +%s)

ok() { PASS=$((PASS + 1)); printf 'ok    %s\n' "$*"; }
bad() { FAIL=$((FAIL + 1)); printf 'FAIL  %s\n' "$*"; }
skip() { SKIP=$((SKIP + 1)); printf 'skip  %s\n' "$*"; }
# check DESCRIPTION COMMAND...: pass when COMMAND succeeds; on failure print its output.
check() {
  local what=$1 out; shift
  if out=$("$@" 2>&1); then ok "$what"; else bad "$what"; printf '%s\n' "$out" | tail -n 8 | sed 's/^/      /'; fi
}
finish() {
  echo "lab: total $(( $(date +%s) - T_START ))s (up ${UP_SECONDS:-?}s)${SKIP:+, $SKIP skipped}"
  echo "lab: $PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ]
  exit
}

# In-pod commands run through the real path: kubectl -> apiserver -> kubelet -> containerd.
pexec() { local ns=$1 app=$2; shift 2; kc -n "$ns" exec "deploy/$app" -c "$app" -- "$@"; }

# ------------------------------------------------------------------ host baseline
[ $REUSE = 1 ] || "$LAB_DIR/down.sh" >/dev/null 2>&1 || true
snapshot_host() {
  echo "--- iptables (host netns)"; iptables-save 2>/dev/null | grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]//'
  echo "--- ip6tables (host netns)"; ip6tables-save 2>/dev/null | grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]//'
  echo "--- ipsets (host netns)"; ipset list -n 2>/dev/null | sort
  echo "--- netns"; ip netns list 2>/dev/null | sort
  echo "--- sysctl"
  for s in vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes net.ipv4.ip_forward; do
    echo "$s=$(sysctl -n $s)"
  done
  echo "--- host links"; ip -o link show | awk -F': ' '{print $2}' | sort
  echo "--- host routes"; ip route show table all | sort
  echo "--- dirs"; ls -d $HOST_DIRS 2>/dev/null
}
BASELINE=$(snapshot_host)

# ------------------------------------------------------------------ up
t0=$(date +%s)
if "$LAB_DIR/up.sh"; then
  UP_SECONDS=$(( $(date +%s) - t0 ))
  if [ "$UP_SECONDS" -lt 120 ]; then ok "up.sh brought the lab up in ${UP_SECONDS}s (< 120s)"; else bad "up.sh took ${UP_SECONDS}s (limit 120s)"; fi
else
  UP_SECONDS=$(( $(date +%s) - t0 ))
  bad "up.sh failed after ${UP_SECONDS}s"
  [ $KEEP = 1 ] || "$LAB_DIR/down.sh"
  finish
fi

# ------------------------------------------------------------------ check helpers
# has PATTERN COMMAND...: COMMAND's output (stdout + stderr, whatever its exit status) matches
# the extended regex PATTERN; prints the output when it does not.
has() {
  local pat=$1 o; shift
  o=$("$@" 2>&1)
  grep -qE -- "$pat" <<<"$o" || { printf '%s\n' "$o"; return 1; }
}
empty() { local o; o=$("$@" 2>&1) || return 1; [ -z "$o" ] || { printf '%s\n' "$o"; return 1; }; }
fails() { ! "$@" >/dev/null 2>&1; }
nodeinfo() { kc get node "${2:-$LAB_NODE}" -o jsonpath="$1"; }
NODES=$(lab_nodes)
# node_of NS APP: the name of the node the app's pod runs on; node_index NAME: its k
node_of() { kc -n "$1" get pod -l "app=$2" -o jsonpath='{.items[0].spec.nodeName}'; }
node_index() { local k; for k in $(seq 1 "$NODES"); do [ "$(node_name "$k")" = "$1" ] && echo "$k" && return; done; echo 1; }

# ------------------------------------------------------------------ cluster
api_pid=$(cat "$LAB_RUN/pids/kube-apiserver.pid")
check "up.sh on a running lab only re-applies the manifests" has 'already up' "$LAB_DIR/up.sh"
check "… and keeps the same control plane (kube-apiserver pid $api_pid)" \
  test "$(cat "$LAB_RUN/pids/kube-apiserver.pid")" = "$api_pid"
check "files: admin.kubeconfig, restricted.kubeconfig, ssh_config, lab.json" \
  test -s "$LAB_STATE/admin.kubeconfig" -a -s "$LAB_STATE/restricted.kubeconfig" -a -s "$LAB_STATE/ssh_config" -a -s "$LAB_STATE/lab.json"
check "credentials are private to root (.state 700; kubeconfigs, keys 600)" \
  has '^700 600 600 600 ?$' stat --printf '%a ' "$LAB_STATE" "$LAB_STATE/admin.kubeconfig" "$LAB_STATE/restricted.kubeconfig" "$LAB_STATE/ssh/id_ed25519"
check "the cluster has exactly the $NODES node(s) asked for" has "^$NODES\$" bash -c "'$K8S_BIN/kubectl' --kubeconfig '$LAB_STATE/admin.kubeconfig' --cache-dir '$LAB_STATE/kube-cache' get nodes --no-headers | wc -l"
for k in $(seq 1 "$NODES"); do
  n=$(node_name "$k")
  check "node $n Ready" has '^True$' nodeinfo '{.status.conditions[?(@.type=="Ready")].status}' "$n"
  check "node $n runs kubelet $K8S_VERSION on containerd, InternalIP $(node_ip "$k"), pod CIDR $(node_pod_cidr "$k")" \
    has "^$K8S_VERSION containerd://.* $(node_ip "$k") $(node_pod_cidr "$k")\$" \
    nodeinfo '{.status.nodeInfo.kubeletVersion} {.status.nodeInfo.containerRuntimeVersion} {.status.addresses[?(@.type=="InternalIP")].address} {.spec.podCIDR}' "$n"
done

pods=$(kc get pods -A -l pathlight.dev/lab-scenario --no-headers \
  -o custom-columns=NS:.metadata.namespace,NAME:.metadata.name,PHASE:.status.phase,IP:.status.podIP,NODE:.spec.nodeName)
n_pods=$(printf '%s\n' "$pods" | grep -c .)
# (a scenario file may need more nodes than this lab has: "# lab-min-nodes: N", see up.sh)
n_scen=0
for f in "$LAB_DIR"/scenarios/*.yaml; do
  m=$(sed -n 's/^# lab-min-nodes: *\([0-9]\+\).*/\1/p' "$f" | head -n 1)
  [ "${m:-1}" -le "$NODES" ] && n_scen=$((n_scen + 1))
done
check "every scenario ($n_scen for $NODES node(s)) has its 3 pods ($n_pods found)" test "$n_pods" -eq $((n_scen * 3))
# Each pod Running, on the node its slot says, with an IP from that node's pod CIDR.
bad_pods=$(printf '%s\n' "$pods" | awk '$3 != "Running"')
for k in $(seq 1 "$NODES"); do
  prefix=$(node_pod_cidr "$k" | sed 's/0\/24$//')
  bad_pods+=$(printf '%s\n' "$pods" | awk -v n="$(node_name "$k")" -v p="$prefix" '$5 == n && ($3 != "Running" || index($4, p) != 1)')
done
check "all scenario pods Running with an IP from their node's pod CIDR" test -z "$bad_pods"
[ -z "$bad_pods" ] || printf '      %s\n' "$bad_pods"
for k in $(seq 1 "$NODES"); do
  check "scenario pods run on $(node_name "$k") ($(printf '%s\n' "$pods" | awk -v n="$(node_name "$k")" '$5 == n' | grep -c .) of them)" \
    bash -c "printf '%s\n' \"\$0\" | awk -v n='$(node_name "$k")' '\$5 == n' | grep -q ." "$pods"
done
check "AdminNetworkPolicy CRD installed and lab-anp-deny-backend stored" kc get adminnetworkpolicy lab-anp-deny-backend

# ------------------------------------------------------------------ DNS + Services
svc_ip=$(kc -n lab-healthy get svc backend -o jsonpath='{.spec.clusterIP}')
dns_node=$(kc -n kube-system get pod -l k8s-app=kube-dns -o jsonpath='{.items[0].spec.nodeName}')
check "DNS: backend.lab-healthy.svc.cluster.local -> $svc_ip through CoreDNS ($DNS_VIP, on $dns_node) from a pod on $(node_of lab-healthy frontend)" \
  has "Address: $svc_ip\$" pexec lab-healthy frontend nslookup backend.lab-healthy.svc.cluster.local
check "allowed: lab-healthy frontend ($(node_of lab-healthy frontend)) -> http://backend:8080 ($(node_of lab-healthy backend); Service VIP via kube-proxy, allowed by policy)" \
  has '^backend ok$' pexec lab-healthy frontend timeout 5 wget -q -O - http://backend:8080/
check "allowed: lab-healthy backend ($(node_of lab-healthy backend)) -> db:5432 ($(node_of lab-healthy db))" has '^db-ok$' pexec lab-healthy backend sh -c 'echo | nc -w 3 db 5432'
healthy_backend_ip=$(kc -n lab-healthy get pod -l app=backend -o jsonpath='{.items[0].status.podIP}')
check "allowed: lab-healthy frontend -> backend pod IP $healthy_backend_ip:8080 (pod to pod, routed between the nodes)" \
  has '^backend ok$' pexec lab-healthy frontend timeout 5 wget -q -O - "http://$healthy_backend_ip:8080/"

# ------------------------------------------------------------------ every fault shows its symptom
# (README, "client symptom"). The policy faults are checked in more depth below.
check "fault present: lab-selector Service backend has no endpoints" \
  empty kc -n lab-selector get endpointslices -l kubernetes.io/service-name=backend -o jsonpath='{.items[*].endpoints[*].addresses[*]}'
check "fault present: lab-target-port frontend -> backend refused (nothing on targetPort 9090)" \
  has 'Connection refused' pexec lab-target-port frontend timeout 6 wget -q -O - http://backend:8080/
check "fault present: lab-named-port EndpointSlice lists the backend pod with no ports" \
  has '^10\.244\.[0-9]+\.[0-9]+ ports=(null)?$' kc -n lab-named-port get endpointslices -l kubernetes.io/service-name=backend \
    -o jsonpath='{.items[0].endpoints[0].addresses[0]} ports={.items[0].ports}'
check "fault present: lab-wrong-ns backend.lab-wrongns is NXDOMAIN, the frontend gets 'bad address'" \
  has NXDOMAIN pexec lab-wrong-ns frontend nslookup backend.lab-wrongns.svc.cluster.local
check "fault present: lab-wrong-ns frontend -> http://backend.lab-wrongns:8080/ fails with 'bad address'" \
  has 'bad address' pexec lab-wrong-ns frontend timeout 6 wget -q -O - http://backend.lab-wrongns:8080/
check "fault present: lab-not-ready backend Running but not Ready" \
  has '^Running/False$' kc -n lab-not-ready get pod -l app=backend \
    -o jsonpath='{.items[0].status.phase}/{.items[0].status.conditions[?(@.type=="Ready")].status}'
check "lab-anp: the ANP deny is not enforced by kube-router (frontend -> backend succeeds, as documented)" \
  has '^backend ok$' pexec lab-anp frontend timeout 6 wget -q -O - http://backend:8080/
check "fault present: lab-http-503 frontend -> http://backend:8080/cgi-bin/api connects and gets 503" \
  has 'server returned error: HTTP/1\.[01] 503 Service Unavailable' pexec lab-http-503 frontend timeout 6 wget -q -O - 'http://backend:8080/cgi-bin/api?user=lab'

# ------------------------------------------------------------------ NetworkPolicy enforcement
# kube-router rejects what no rule allows: its KUBE-POD-FW-* chain for the pod ends with a
# REJECT (the packet is dropped by netfilter, an ICMP port-unreachable goes back).
reject_count() { # NAMESPACE POD-NAME: packets hit by kube-router's reject rule for that pod (on the pod's node)
  local k; k=$(node_index "$(kc -n "$1" get pod "$2" -o jsonpath='{.spec.nodeName}')")
  in_node_k "$k" iptables -w -t filter -vnxL 2>/dev/null |
    awk -v want="POD name:$2 namespace: $1" 'index($0, "REJECT traffic destined for") && index($0, want) {s += $1} END {print s + 0}'
}
deny_backend=$(kc -n lab-deny-ingress get pod -l app=backend -o jsonpath='{.items[0].metadata.name}')
deny_ip=$(kc -n lab-deny-ingress get pod -l app=backend -o jsonpath='{.items[0].status.podIP}')
deny_node=$(node_of lab-deny-ingress backend)
before=$(reject_count lab-deny-ingress "$deny_backend")
check "denied: lab-deny-ingress frontend -> backend pod $deny_ip:8080 fails" \
  fails pexec lab-deny-ingress frontend timeout 5 wget -q -O - "http://$deny_ip:8080/"
after=$(reject_count lab-deny-ingress "$deny_backend")
check "denied traffic was dropped by kube-router's rule for $deny_backend on its node $deny_node (frontend on $(node_of lab-deny-ingress frontend); reject counter $before -> $after)" test "$after" -gt "$before"
check "the denied backend itself is alive (answers its node, which kube-router always admits)" \
  in_node_k "$(node_index "$deny_node")" timeout 5 busybox wget -q -O /dev/null "http://$deny_ip:8080/"

egress_backend_ip=$(kc -n lab-egress-dns get pod -l app=backend -o jsonpath='{.items[0].status.podIP}')
check "egress policy: lab-egress-dns frontend cannot resolve names (DNS to kube-dns dropped)" \
  has "no servers could be reached|Connection refused" pexec lab-egress-dns frontend timeout 8 nslookup backend.lab-egress-dns.svc.cluster.local
check "egress policy: lab-egress-dns frontend -> backend pod IP:8080 is still allowed" \
  has '^backend ok$' pexec lab-egress-dns frontend timeout 5 wget -q -O - "http://$egress_backend_ip:8080/"

# Transit: a NodePort reached on node 2 whose only backend (node 1) admits pods app=frontend; the
# NodePort hop SNATs to node 2's address, so the backend's node drops it (two or more nodes).
if [ "$NODES" -ge 2 ]; then
  tr_backend=$(kc -n lab-transit get pod -l app=backend -o jsonpath='{.items[0].metadata.name}')
  tr_node=$(node_of lab-transit backend) tr_client_node=$(node_of lab-transit frontend)
  tr_target="http://$(node_ip 2):30080/"
  before=$(reject_count lab-transit "$tr_backend")
  check "transit: lab-transit frontend ($tr_client_node) -> NodePort $tr_target fails" \
    fails pexec lab-transit frontend timeout 5 wget -q -O - "$tr_target"
  after=$(reject_count lab-transit "$tr_backend")
  check "transit: dropped on the backend's node $tr_node by kube-router's rule for $tr_backend (reject counter $before -> $after)" test "$after" -gt "$before"
  check "transit: the same frontend -> the Service's ClusterIP (no SNAT) is allowed across the nodes" \
    has '^backend ok$' pexec lab-transit frontend timeout 5 wget -q -O - http://backend:8080/
fi

# ------------------------------------------------------------------ access paths
check "restricted kubeconfig: can list pods in lab-healthy" \
  "$K8S_BIN/kubectl" --kubeconfig "$LAB_STATE/restricted.kubeconfig" --cache-dir "$LAB_STATE/kube-cache" -n lab-healthy get pods
check "restricted kubeconfig: forbidden in lab-deny-ingress" \
  has Forbidden "$K8S_BIN/kubectl" --kubeconfig "$LAB_STATE/restricted.kubeconfig" --cache-dir "$LAB_STATE/kube-cache" -n lab-deny-ingress get pods
for k in $(seq 1 "$NODES"); do
  n=$(node_name "$k")
  check "ssh: ssh -F .state/ssh_config $n lands on the node (its netns and hostname)" \
    has "^$n .*$(node_ip "$k")/" ssh -F "$LAB_STATE/ssh_config" -o BatchMode=yes -o ConnectTimeout=5 "$n" \
      'echo "$(hostname) $(ip -4 -o addr show lab0)"'
done
check "no route to lab addresses in the host's namespace" \
  fails has '^(10\.244\.|172\.30\.0\.|10\.96\.)' ip route show table all

# Pathlight's pod transport: an ephemeral privileged pod pinned to the node, agent streamed in
# through exec stdin. Check the lab can run one (hostNetwork + hostPID + privileged).
transport_pod() {
  kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: lab-test-transport, namespace: kube-system}
spec:
  nodeName: $LAB_NODE
  hostNetwork: true
  hostPID: true
  activeDeadlineSeconds: 60
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  containers:
  - name: agent
    image: pathlight.local/busybox:lab
    imagePullPolicy: Never
    command: ["sleep", "55"]
    securityContext: {privileged: true}
EOF
  kc -n kube-system wait --for=condition=Ready pod/lab-test-transport --timeout=30s >/dev/null &&
    has "^$LAB_NODE .*$NODE_IP/" bash -c "echo pathlight | '$K8S_BIN/kubectl' --kubeconfig '$LAB_STATE/admin.kubeconfig' --cache-dir '$LAB_STATE/kube-cache' \
      -n kube-system exec -i lab-test-transport -- sh -c 'cat > /tmp/agent && grep -qx pathlight /tmp/agent && echo \$(hostname) \$(ip -4 -o addr show lab0)'"
}
check "pod transport: privileged hostNetwork pod on the node runs and takes a file through exec stdin" transport_pod
kc -n kube-system delete pod lab-test-transport --grace-period=0 --wait=false >/dev/null 2>&1

# ------------------------------------------------------------------ probe agent (optional)
if [ -x "$PROBE" ]; then
  remote=/tmp/pathlight-probe-lab
  # On the denied backend's node: that is where kube-router drops the packet.
  if scp -F "$LAB_STATE/ssh_config" -q "$PROBE" "$deny_node:$remote"; then
    out=$(mktemp)
    # Generate denied traffic while the agent runs (over the SSH transport, as Pathlight does).
    ( sleep 3; pexec lab-deny-ingress frontend timeout 3 wget -q -O /dev/null "http://$deny_ip:8080/" >/dev/null 2>&1 ) &
    gen=$!
    # The agent stops when its stdin closes: keep it open for 9 s, then close it.
    sleep 9 | timeout 20 ssh -F "$LAB_STATE/ssh_config" -o BatchMode=yes "$deny_node" "$remote run --probes drops" > "$out" 2>&1
    wait $gen
    ssh -F "$LAB_STATE/ssh_config" -o BatchMode=yes "$deny_node" "rm -f $remote" || true
    # One grep, no pipe: under pipefail, `grep … | grep -q` fails when -q quits before the first
    # grep has written everything (SIGPIPE) — the more drops, the likelier.
    if grep -qE '"type": ?"drop".*"reason": ?"NETFILTER_DROP"' "$out"; then
      ok "probe agent on $deny_node saw the policy drop (type=drop reason=NETFILTER_DROP)"
    else bad "probe agent did not report a NETFILTER_DROP drop"; head -c 1500 "$out" | sed 's/^/      /'; fi
    rm -f "$out"
  else bad "could not copy the probe agent to the node over SSH"; fi
else
  skip "probe agent: $PROBE is not built (native/); the drop was verified by iptables counters only"
fi

# Pathlight's own ssh transport (ssh2, strict known_hosts, SFTP upload with checksum), as a
# user runs it: `pathlight probe` against the lab node's ssh_config.
repo_root="$(cd "$LAB_DIR/../.." && pwd)"
cli="$repo_root/bin/pathlight.cjs"
if [ -x "$PROBE" ] && [ -f "$repo_root/dist/cli/main.js" ]; then
  out=$(mktemp)
  ( sleep 4; pexec lab-deny-ingress frontend timeout 3 wget -q -O /dev/null "http://$deny_ip:8080/" >/dev/null 2>&1 ) &
  gen=$!
  timeout 40 node "$cli" probe --node "$deny_node" --ssh-config "$LAB_STATE/ssh_config" --duration 10s --probes drops,tcp --json > "$out" 2>"$out.err"
  wait $gen
  last=$(tail -n 1 "$out")
  if grep -q '"type":"drop".*"reason":"NETFILTER_DROP"' "$out" && [[ "$last" == *'"reason":"stdin-closed"'* ]]; then
    ok "pathlight probe (ssh transport) streamed the policy drop from $deny_node and stopped the agent"
  else
    bad "pathlight probe did not stream a NETFILTER_DROP drop and stop cleanly: $(grep -c '"type":"drop"' "$out") drop lines, $(grep '"type":"drop"' "$out" | grep -c '"reason":"NETFILTER_DROP"') NETFILTER_DROP, $(wc -l < "$out") lines in all"
    sed 's/^/      /' "$out.err"
    echo "      last line: $(tail -n 1 "$out" | cut -c1-300)"
    grep -o '"type":"[a-z]*"' "$out" | sort | uniq -c | sed 's/^/      /'
  fi
  rm -f "$out" "$out.err"
else
  skip "pathlight probe: needs the agent ($PROBE) and the built CLI (npm run build)"
fi

# Pathlight's TypeScript tests that need a real cluster (vitest project "lab", test/lab/tests).
if command -v vitest >/dev/null; then
  out=$(mktemp)
  if (cd "$repo_root" && NO_COLOR=1 vitest run --project lab) > "$out" 2>&1; then
    ok "vitest lab project against the lab: $(grep -Eo 'Tests +[0-9]+ passed' "$out" | tr -s ' ')"
  else bad "vitest lab project failed"; sed 's/^/      /' "$out" | tail -60; fi
  rm -f "$out"
else
  skip "vitest lab project: vitest is not on PATH (run through npm run test:lab or npm test)"
fi

# ------------------------------------------------------------------ down + leftovers
if [ $KEEP = 1 ]; then echo "lab left up (test/lab/down.sh tears it down)"; finish; fi
if [ "$FAIL" -gt 0 ] && [ -d "$LAB_STATE/logs" ]; then
  # down.sh deletes .state; keep the component logs of a failed run for the post-mortem.
  keep="${TMPDIR:-/tmp}/pathlight-lab-logs-$(date +%Y%m%d-%H%M%S)"
  cp -r "$LAB_STATE/logs" "$keep" && echo "component logs kept in $keep"
fi
down_log=$(mktemp)
if "$LAB_DIR/down.sh" >"$down_log" 2>&1; then
  ok "down.sh succeeds"
  grep -v 'lab: lab down$' "$down_log" | sed 's/^/      note: /'   # e.g. slow process teardown
  rm -f "$down_log"
else
  bad "down.sh succeeds"
  keep="${TMPDIR:-/tmp}/pathlight-lab-down-$(date +%Y%m%d-%H%M%S).log"
  mv "$down_log" "$keep"; tail -n 12 "$keep" | sed 's/^/      /'; echo "      (full output: $keep)"
fi
check "no lab process left (cgroup tree empty/gone)" test -z "$(lab_pids)"
check "no process refers to the lab" bash -c "! ps -eo args | grep -v grep | grep -qE 'pathlight-lab|$LAB_STATE'"
check "no lab network namespace left" bash -c "! ip netns list | grep -q '$LAB_NETNS'"
check "no lab mounts left" bash -c "! grep -qE '$LAB_RUN|$LAB_DATA|/run/netns/$LAB_NETNS' /proc/self/mountinfo"
check "no lab cgroups left" bash -c "! ls -d $(lab_cg_dirs | tr '\n' ' ') 2>/dev/null | grep -q ."
check "no lab files left ($LAB_RUN, $LAB_DATA, .state)" bash -c "[ ! -e '$LAB_RUN' ] && [ ! -e '$LAB_DATA' ] && [ ! -e '$LAB_STATE' ]"
check "no kubectl cache for the lab in ~/.kube" test ! -e "${HOME:-/root}/.kube/cache/discovery/127.0.0.1_$API_PORT"
check "no CNI results left in /var/lib/cni" bash -c "! ls /var/lib/cni/results/pathlight-lab-* 2>/dev/null | grep -q ."
ssh_ports=$(for k in $(seq 1 "$NODES"); do node_ssh_port "$k"; done)
check "host ports $API_PORT and $(echo $ssh_ports) free" \
  bash -c "! ss -Hltn '( sport = :$API_PORT$(for p in $ssh_ports; do printf ' or sport = :%s' "$p"; done) )' | grep -q ."
AFTER=$(snapshot_host)
if [ "$BASELINE" = "$AFTER" ]; then
  ok "host namespace unchanged (iptables, ip6tables, ipsets, netns, sysctls, links, routes, shared dirs)"
else
  bad "host namespace changed by up+down:"; diff <(echo "$BASELINE") <(echo "$AFTER") | head -20 | sed 's/^/      /'
fi
finish
