#!/bin/sh
# Runs the capacity benchmark with as many open files as this machine allows: the
# coordinator needs one descriptor per agent connection and inherits this shell's limit.
# Going above the hard limit needs CAP_SYS_RESOURCE; without it we take the hard limit.
want=65536
cur=$(ulimit -n)
if [ "$cur" != unlimited ] && [ "$cur" -lt "$want" ]; then
  ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  echo "run.sh: open files limit $(ulimit -n) (wanted $want)" >&2
fi
cd "$(dirname "$0")/../.." || exit 1
exec node bench/capacity/capacity.mjs "$@"
