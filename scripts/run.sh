#!/usr/bin/env bash
# Runs a command with the project's pinned Node first on PATH, after the idempotent set-up.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/bootstrap.sh"
# shellcheck source=scripts/node-env.sh
source "$root/scripts/node-env.sh"
cd "$root"
exec "$@"
