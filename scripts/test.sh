#!/usr/bin/env bash
# One command: set up everything, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The generated contract types must match proto/: regenerate and insist git stays clean.
pnpm run gen >/dev/null
git diff --exit-code --stat -- packages/shared/src/generated || { echo "generated gRPC types are stale: run 'pnpm run gen' and commit" >&2; exit 1; }
exec pnpm exec vitest run "$@"
