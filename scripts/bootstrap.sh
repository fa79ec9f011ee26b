#!/usr/bin/env bash
# Idempotent set-up for a fresh clone on a fresh machine: the pinned Node, npm packages,
# the system packages the tests drive (Chromium, sshd), and the probe agent's toolchain.
# Fast when everything is already there. Run by `npm start`, `npm test` and .ci/run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/node-env.sh
source "$root/scripts/node-env.sh"

log() { printf 'setup: %s\n' "$*" >&2; }

# 1. The pinned Node (the machine's Node 20 is past end of life and too old for our packages).
if [ "$("$PATHLIGHT_NODE_DIR/bin/node" -v 2>/dev/null || true)" != "v$PATHLIGHT_NODE_VERSION" ]; then
  log "installing Node $PATHLIGHT_NODE_VERSION ($PATHLIGHT_NODE_PKG) from the npm registry into .tools/"
  rm -rf "$root/.tools/node-pkg"
  mkdir -p "$root/.tools/node-pkg"
  (cd "$root/.tools/node-pkg" && echo '{"private":true}' > package.json &&
    npm install --no-save --no-package-lock --loglevel=error "$PATHLIGHT_NODE_PKG@$PATHLIGHT_NODE_VERSION" >/dev/null)
  rm -rf "$PATHLIGHT_NODE_DIR"
  mv "$root/.tools/node-pkg/node_modules/$PATHLIGHT_NODE_PKG" "$PATHLIGHT_NODE_DIR"
  rm -rf "$root/.tools/node-pkg"
fi

# 2. System packages (Debian). Only asks apt when something is missing.
apt_needed=()
for pkg in chromium openssh-server fonts-dejavu-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || apt_needed+=("$pkg")
done
if [ ${#apt_needed[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian packages: ${apt_needed[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_needed[@]}" >/dev/null
  else
    log "missing system packages: ${apt_needed[*]} (install them with apt-get as root; browser tests need chromium)"
  fi
fi

# 3. npm packages, reinstalled only when package-lock.json changed.
stamp="$root/node_modules/.pathlight-lock"
want="$(sha256sum "$root/package-lock.json" 2>/dev/null | cut -d' ' -f1)-$PATHLIGHT_NODE_VERSION"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "installing npm packages (npm ci)"
  # Electron's binary cannot be downloaded everywhere; the app falls back to server mode.
  (cd "$root" && ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --loglevel=error --no-fund --no-audit)
  echo "$want" > "$stamp"
fi

# 4. Electron's binary: npm ci skips it (its download fails the whole install where the
#    release host is unreachable), so fetch it once here, best effort. CI and machines
#    without that network use server mode; PATHLIGHT_SKIP_ELECTRON=1 skips the attempt.
electron_stamp="$root/node_modules/.pathlight-electron-tried"
if [ -z "${CI:-}" ] && [ -z "${PATHLIGHT_SKIP_ELECTRON:-}" ] && [ ! -f "$root/node_modules/electron/path.txt" ] &&
  [ ! -f "$electron_stamp" ]; then
  log "downloading the Electron binary (once; server mode is the fallback)"
  if ! (cd "$root/node_modules/electron" && timeout 300 node install.js >/dev/null 2>&1); then
    log "Electron's binary could not be downloaded here; \`npm start\` will use server mode"
  fi
  touch "$electron_stamp"
fi

# 5. The probe agent's toolchain and Go modules (its own script, idempotent).
if [ -x "$root/native/setup.sh" ]; then
  "$root/native/setup.sh"
fi
