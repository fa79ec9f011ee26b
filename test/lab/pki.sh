# Certificates and kubeconfigs for the lab (sourced by up.sh). Everything is written under
# $LAB_STATE (never elsewhere) and is generated once per lab state; down.sh deletes it.
# shellcheck shell=bash

PKI="$LAB_STATE/pki"

# cert NAME CN ORG SANS(comma list, "" for none) USAGE(client|server|both)
cert() {
  local name=$1 cn=$2 org=$3 sans=$4 usage=$5
  [ -f "$PKI/$name.crt" ] && return 0
  local eku
  case $usage in
    client) eku=clientAuth ;; server) eku=serverAuth ;; both) eku="serverAuth,clientAuth" ;;
  esac
  local subj="/CN=$cn"; [ -n "$org" ] && subj="/O=$org$subj"
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/$name.key" 2>/dev/null
  openssl req -new -key "$PKI/$name.key" -subj "$subj" -out "$PKI/$name.csr" 2>/dev/null
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    [ -n "$sans" ] && echo "subjectAltName=$sans"
  } > "$PKI/$name.ext"
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 365 -sha256 -extfile "$PKI/$name.ext" -out "$PKI/$name.crt" 2>/dev/null \
    || die "could not sign certificate $name"
  rm -f "$PKI/$name.csr" "$PKI/$name.ext"
}

gen_pki() {
  mkdir -p "$PKI"; chmod 700 "$LAB_STATE" "$PKI"
  if [ ! -f "$PKI/ca.crt" ]; then
    openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/ca.key" 2>/dev/null
    openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=pathlight-lab-ca" -days 365 -sha256 \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
      -out "$PKI/ca.crt" 2>/dev/null || die "could not create the lab CA"
  fi
  cert apiserver kube-apiserver "" \
    "DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost,DNS:$LAB_NODE,IP:127.0.0.1,IP:$NODE_IP,IP:$API_VIP" server
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters "" client
  cert admin pathlight-lab-admin system:masters "" client
  cert restricted pathlight-readonly "" "" client
  cert controller-manager system:kube-controller-manager "" "" client
  cert scheduler system:kube-scheduler "" "" client
  cert kube-proxy system:kube-proxy "" "" client
  cert kube-router pathlight-lab:kube-router "" "" client
  # cilium-agent and cilium-operator: cluster-admin through system:masters instead of the
  # ClusterRoles of Cilium's Helm chart (see README "Cilium": a deviation of the lab).
  [ "$(lab_cni)" = cilium ] && cert cilium pathlight-lab:cilium system:masters "" client
  # Aggregation layer (front proxy) identity; same CA, restricted by --requestheader-allowed-names.
  cert front-proxy-client front-proxy-client "" "" client
  # Each node's kubelet has its own identity (the Node authorizer lets it touch only its Node).
  local k n
  for k in $(seq 1 "$(lab_nodes)"); do
    n=$(node_name "$k")
    cert "kubelet$(node_sfx "$k")" "system:node:$n" system:nodes "" client
    cert "kubelet-serving$(node_sfx "$k")" "system:node:$n" system:nodes "DNS:$n,IP:$(node_ip "$k")" server
  done
  if [ ! -f "$PKI/sa.key" ]; then
    openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  fi
  chmod 600 "$PKI"/*.key
}

# kubeconfig FILE SERVER CERT-NAME USER-NAME: self-contained (certificates embedded).
kubeconfig() {
  local file=$1 server=$2 name=$3 user=$4
  local tmp="$file.tmp"
  cat > "$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: pathlight-lab
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 < "$PKI/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 < "$PKI/$name.crt")
    client-key-data: $(base64 -w0 < "$PKI/$name.key")
contexts:
- name: $user@pathlight-lab
  context:
    cluster: pathlight-lab
    user: $user
current-context: $user@pathlight-lab
EOF
  chmod 600 "$tmp"; mv "$tmp" "$file"
}

gen_kubeconfigs() {
  local inside="https://127.0.0.1:6443" outside="https://127.0.0.1:$API_PORT"
  mkdir -p "$LAB_STATE/kubeconfigs"
  kubeconfig "$LAB_STATE/admin.kubeconfig" "$outside" admin pathlight-lab-admin
  kubeconfig "$LAB_STATE/restricted.kubeconfig" "$outside" restricted pathlight-readonly
  # Components run inside the node's network namespace and talk to the API there; the other
  # nodes' reach it on node 1's IP across the lab bridge.
  for c in controller-manager scheduler kube-proxy kube-router kubelet; do
    kubeconfig "$LAB_STATE/kubeconfigs/$c.kubeconfig" "$inside" "$c" "$c"
  done
  [ "$(lab_cni)" = cilium ] && kubeconfig "$LAB_STATE/kubeconfigs/cilium.kubeconfig" "$inside" cilium cilium
  local k s
  for k in $(seq 2 "$(lab_nodes)"); do
    s=$(node_sfx "$k")
    for c in kube-proxy kube-router; do
      kubeconfig "$LAB_STATE/kubeconfigs/$c$s.kubeconfig" "https://$NODE_IP:6443" "$c" "$c"
    done
    kubeconfig "$LAB_STATE/kubeconfigs/kubelet$s.kubeconfig" "https://$NODE_IP:6443" "kubelet$s" "kubelet$s"
    [ "$(lab_cni)" = cilium ] && kubeconfig "$LAB_STATE/kubeconfigs/cilium$s.kubeconfig" "https://$NODE_IP:6443" cilium cilium
  done
  return 0
}
