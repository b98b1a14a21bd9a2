#!/usr/bin/env bash
# One command: set up everything, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The generated contract types must match proto/: regenerate and insist git stays clean.
pnpm run gen >/dev/null
git diff --exit-code --stat -- packages/shared/src/generated || { echo "generated gRPC types are stale: run 'pnpm run gen' and commit" >&2; exit 1; }
# Test files are type-checked too (the build leaves them out).
pnpm exec tsc -p test/tsconfig.json
for p in agent coordinator shared notify cli console testkit; do pnpm exec tsc -p "packages/$p/tsconfig.test.json"; done
# No locked dependency with a published advisory (docs/dependencies.md).
node scripts/audit.mjs
# Prometheus alert rules parse and pass their unit tests (docs/metrics.md).
promtool check rules deploy/prometheus/*.yml >/dev/null
(cd deploy/prometheus && promtool test rules tests/*.yml >/dev/null)
report=$(mktemp)
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line, whatever the reporter printed above it.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$report" || true
rm -f "$report"
exit $status
