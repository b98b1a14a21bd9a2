#!/usr/bin/env bash
# Builds a minimal Debian 12 (bookworm) root, cached as a tarball, for the release test's
# install check (test/e2e/package.test.ts: dpkg -i of the .debs into a real Debian root).
# Like the apt installs of setup.sh it needs the Debian mirror; the test itself does not.
# Needs root and debootstrap; does nothing when the tarball exists. Usage:
#   scripts/debian-root.sh [TARBALL]   (default $VIGIL_DEBIAN_ROOT_TARBALL or
#                                       /var/cache/vigil-test/debian-bookworm-minbase.tar.gz)
set -euo pipefail
out="${1:-${VIGIL_DEBIAN_ROOT_TARBALL:-/var/cache/vigil-test/debian-bookworm-minbase.tar.gz}}"
[ -s "$out" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "debian-root: needs root (debootstrap); the install check will be skipped" >&2
  exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "debian-root: debootstrap bookworm (minbase) from $mirror"
# adduser: the coordinator's and notify's postinst create their system users with it.
debootstrap --variant=minbase --include=adduser bookworm "$tmp/root" "$mirror" >"$tmp/log" 2>&1 || { tail -20 "$tmp/log" >&2; exit 1; }
mkdir -p "$(dirname "$out")"
tar -C "$tmp/root" -czf "$out.tmp" .
mv "$out.tmp" "$out"
echo "debian-root: $out ($(du -h "$out" | cut -f1))"
