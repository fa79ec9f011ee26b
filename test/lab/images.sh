#!/usr/bin/env bash
# Builds the lab's container images as OCI image-layout tarballs (no registry, no Docker):
#   pathlight.local/busybox:lab  Debian's busybox-static, every applet linked into /bin
#   pathlight.local/pause:lab    the pod sandbox image (busybox sh that waits for SIGTERM)
#   pathlight.local/coredns:lab  the CoreDNS binary built by setup.sh
#   pathlight.local/probe:lab    the probe agent ($LAB_PROBE), only when it has been built
#   pathlight.local/hubble-relay:lab  Cilium's hubble-relay (LAB_CNI=cilium, build_relay_image)
# Output: $LAB_CACHE/images/<name>.tar, imported into the lab's containerd by up.sh.
# Sourced by setup.sh (function build_images); can also be run alone.
# shellcheck shell=bash

if [ -z "${LAB_DIR:-}" ]; then
  set -euo pipefail
  . "$(dirname "$0")/lib.sh"
fi

# oci_image NAME REF ROOTFS-DIR ENTRYPOINT-JSON CMD-JSON OUT.tar
oci_image() {
  local name=$1 ref=$2 rootfs=$3 entry=$4 cmd=$5 out=$6
  local w; w=$(mktemp -d)
  mkdir -p "$w/blobs/sha256"
  # Reproducible layer: fixed owner, order and mtime, so the digest only changes with content.
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$rootfs" -cf "$w/layer.tar" .
  local ld ls; ld=$(sha256sum "$w/layer.tar" | cut -d' ' -f1); ls=$(stat -c %s "$w/layer.tar")
  mv "$w/layer.tar" "$w/blobs/sha256/$ld"
  printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"],"Entrypoint":%s,"Cmd":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"pathlight test/lab/images.sh"}]}' \
    "$entry" "$cmd" "$ld" > "$w/config.json"
  local cd cs; cd=$(sha256sum "$w/config.json" | cut -d' ' -f1); cs=$(stat -c %s "$w/config.json")
  mv "$w/config.json" "$w/blobs/sha256/$cd"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
    "$cd" "$cs" "$ld" "$ls" > "$w/manifest.json"
  local md ms; md=$(sha256sum "$w/manifest.json" | cut -d' ' -f1); ms=$(stat -c %s "$w/manifest.json")
  mv "$w/manifest.json" "$w/blobs/sha256/$md"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$md" "$ms" "$ref" "${ref##*:}" > "$w/index.json"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$w/oci-layout"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$w" -cf "$out.tmp" oci-layout index.json blobs
  mv "$out.tmp" "$out"
  rm -rf "$w"
  log "image $ref -> $out ($name)"
}

busybox_rootfs() {
  local r=$1
  mkdir -p "$r/bin" "$r/etc" "$r/tmp" "$r/www" "$r/root"
  chmod 1777 "$r/tmp"
  cp /bin/busybox "$r/bin/busybox"
  for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$r/bin/$a"; done
  mkdir -p "$r/usr"; ln -s ../bin "$r/usr/bin"; ln -s bin "$r/sbin"; ln -s ../bin "$r/usr/sbin"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$r/etc/passwd"
  printf 'root:x:0:\nnobody:x:65534:\n' > "$r/etc/group"
  echo 'hosts: files dns' > "$r/etc/nsswitch.conf"
}

build_images() {
  local dir="$LAB_CACHE/images" bb_ver key
  bb_ver=$(dpkg-query -W -f='${Version}' busybox-static 2>/dev/null) || die "busybox-static is not installed (run test/lab/setup.sh)"
  key="busybox-$bb_ver coredns-$COREDNS_VERSION images-v1"
  if [ -f "$dir/.key" ] && [ "$(cat "$dir/.key")" = "$key" ]; then log "images: cached in $dir"; return; fi
  [ -x "$COREDNS_BIN/coredns" ] || die "CoreDNS is not built yet ($COREDNS_BIN/coredns); run test/lab/setup.sh"
  rm -rf "$dir"; mkdir -p "$dir"
  local w; w=$(mktemp -d)
  busybox_rootfs "$w/busybox"
  oci_image busybox pathlight.local/busybox:lab "$w/busybox" '["/bin/sh"]' 'null' "$dir/busybox.tar"
  # The sandbox ("pause") container only has to hold the pod's namespaces and exit on SIGTERM.
  oci_image pause pathlight.local/pause:lab "$w/busybox" \
    '["/bin/sh","-c","trap \"exit 0\" TERM INT; while :; do sleep 3600 & wait $!; done"]' 'null' "$dir/pause.tar"
  mkdir -p "$w/coredns/etc/coredns" "$w/coredns/tmp"
  cp "$COREDNS_BIN/coredns" "$w/coredns/coredns"
  oci_image coredns pathlight.local/coredns:lab "$w/coredns" '["/coredns"]' '["-conf","/etc/coredns/Corefile"]' "$dir/coredns.tar"
  rm -rf "$w"
  echo "$key" > "$dir/.key"
}

# binary_image NAME BIN CMD-JSON: pathlight.local/NAME:lab holding the one static binary BIN at
# /<its file name> (its entrypoint; plus /tmp and an /etc/passwd), cached under the binary's
# digest, so it is rebuilt on the next run after BIN changes; removed when BIN is missing.
binary_image() {
  local name=$1 bin=$2 cmd=$3 dir="$LAB_CACHE/images" file; file=$(basename "$2")
  if [ ! -x "$bin" ]; then
    rm -f "$dir/$name.tar" "$dir/.$name-key"
    log "images: no $bin (pathlight.local/$name:lab not built)"
    return
  fi
  local key; key=$(sha256sum "$bin" | cut -d' ' -f1)
  if [ -f "$dir/.$name-key" ] && [ "$(cat "$dir/.$name-key")" = "$key" ]; then log "images: $name cached"; return; fi
  local w; w=$(mktemp -d)
  mkdir -p "$w/rootfs/tmp" "$w/rootfs/etc"; chmod 1777 "$w/rootfs/tmp"
  printf 'root:x:0:0:root:/:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$w/rootfs/etc/passwd"
  cp "$bin" "$w/rootfs/$file"
  oci_image "$name" "pathlight.local/$name:lab" "$w/rootfs" "[\"/$file\"]" "$cmd" "$dir/$name.tar"
  rm -rf "$w"
  echo "$key" > "$dir/.$name-key"
}

# The probe agent (native/); it changes with every native/ build.
build_probe_image() { binary_image probe "$LAB_PROBE" '["run"]'; }

# Hubble Relay for the Cilium lab (LAB_CNI=cilium): the hubble-relay binary of the Cilium build
# (test/lab/cilium/build.sh), when it built (see $CILIUM_OUT/build.json when not).
build_relay_image() { binary_image hubble-relay "$CILIUM_OUT/bin/hubble-relay" '["serve"]'; }

if [ "${BASH_SOURCE[0]}" = "$0" ]; then build_images; build_probe_image; fi
