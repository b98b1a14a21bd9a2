#!/usr/bin/env bash
# Sets up a fresh Debian machine that has Node.js 20 for Vigil: system packages
# (nats-server, ping, openssl, prometheus-alertmanager for vigil-notify's receiver tests,
# prometheus for promtool; prometheus-node-exporter for the benches, optional),
# the pinned pnpm, dependencies and the build.
# Safe to run again; it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

need_apt=()
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need_apt+=(nats-server)
command -v ping >/dev/null 2>&1 || need_apt+=(iputils-ping)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v ip >/dev/null 2>&1 || need_apt+=(iproute2)
# vigil's zsh completion script is loaded by a real zsh in its test.
command -v zsh >/dev/null 2>&1 || need_apt+=(zsh)
# vigil-notify's Alertmanager receiver is tested against the real one; its systemd unit is
# not started by the tests (they run the binary on a loopback port of their own).
[ -x /usr/bin/prometheus-alertmanager ] || [ -n "${ALERTMANAGER_BIN:-}" ] || need_apt+=(prometheus-alertmanager)
# The release packages' checks: dpkg-deb builds them, lintian reviews them.
command -v lintian >/dev/null 2>&1 || need_apt+=(lintian)
# promtool (from Debian's prometheus) checks /metrics, the alert rules and their unit tests.
command -v promtool >/dev/null 2>&1 || [ -x /usr/bin/promtool ] || need_apt+=(prometheus)
# The web console's browser tests drive Debian's chromium through playwright-core (no browser download).
[ -x /usr/bin/chromium ] || [ -n "${CHROMIUM_BIN:-}" ] || need_apt+=(chromium)
command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1 || need_apt+=(make g++ python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} from Debian"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# bench/detection and bench/agent-footprint compare the agent with Debian's node_exporter
# (and monit). Only the benches need them, so a failed install is a warning, not a failed setup.
need_bench=()
if ! [ -x /usr/bin/prometheus-node-exporter ] && [ -z "${NODE_EXPORTER_BIN:-}" ]; then need_bench+=(prometheus-node-exporter); fi
command -v monit >/dev/null 2>&1 || need_bench+=(monit)
if [ ${#need_bench[@]} -gt 0 ]; then
  echo "setup: installing ${need_bench[*]} from Debian (for the benches)"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_bench[@]}" >/dev/null; } ||
    echo "setup: could not install ${need_bench[*]}; bench/detection and bench/agent-footprint need them" >&2
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node.js 20 or newer is needed, found $(node --version)" >&2
  exit 1
fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  $SUDO npm install -g -E "pnpm@$PNPM_VERSION" >/dev/null
fi

# better-sqlite3 compiles from source here; node-gyp must find Node's own headers.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
pnpm install --frozen-lockfile --reporter=append-only | tail -n 3
pnpm run build
# A minimal Debian 12 root (cached) for the release test's install check: dpkg -i of the
# .debs into a real Debian root. Only as root; skipped (and the check with it) otherwise.
bash scripts/debian-root.sh || echo "setup: could not make the Debian 12 root; the install check will be skipped" >&2
