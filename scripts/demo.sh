#!/usr/bin/env bash
# One command: set up everything, then run the demo (Ctrl-C stops all it started).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node scripts/demo.mjs "$@"
