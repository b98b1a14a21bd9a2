import { readFileSync } from 'node:fs';
import { AGENT_ENTRY, AGENT_PROGRAM, buildAgentBundles } from './agent-bundles.mjs';

// The programs `pnpm run package` builds, one row each: where the code is, what the bundle
// leaves external (native modules, shipped in node_modules/), the launcher and the Debian
// package's details.

/**
 * The agent's launcher keeps the runtime flags of packages/agent/bin/vigil-agent (chosen
 * for a small footprint, bench/agent-footprint/README.md). Source maps are off unless
 * VIGIL_SOURCE_MAPS=1: Node parses the whole map when it loads the bundle, and keeps it,
 * which measured 58 → 81 MB RSS for an idle agent, against a goal of 60 MB.
 */
const agentLauncher = `#!/bin/sh
# Starts vigil-agent from its install folder (bin/../lib/${AGENT_ENTRY}, which loads the
# program, lib/${AGENT_PROGRAM}).
#   --lite-mode, --max-semi-space-size=1, --v8-pool-size=1, MALLOC_ARENA_MAX=2: a small
#     footprint for a program that is idle nearly all the time
#     (bench/agent-footprint/README.md in the source tree).
#   Source maps: a crash's fatal log line names the TypeScript files and lines anyway
#     (the agent reads lib/${AGENT_PROGRAM}.map only then). VIGIL_SOURCE_MAPS=1 adds
#     --enable-source-maps for every stack trace; off by default because Node then parses
#     and keeps the whole map from the start: +23 MB RSS (58 -> 81 MB) on every host.
#   Code cache: with a cache directory (systemd's CacheDirectory= in the unit, or
#     VIGIL_AGENT_CACHE_DIR), a start loads V8's code cache of the program instead of
#     parsing it: less memory at rest, a faster start. Without one, it parses as usual.
# VIGIL_NODE chooses the node binary (Node.js >= 20); VIGIL_NODE_FLAGS adds Node flags.
set -e
self=$(readlink -f "$0")
dir=$(dirname "$self")
export MALLOC_ARENA_MAX="\${MALLOC_ARENA_MAX:-2}"
maps=
if [ "\${VIGIL_SOURCE_MAPS:-0}" = 1 ]; then maps=--enable-source-maps; fi
# shellcheck disable=SC2086 # the extra flags are split into words on purpose
exec "\${VIGIL_NODE:-node}" $maps --lite-mode --no-expose-wasm --max-semi-space-size=1 --v8-pool-size=1 \${VIGIL_NODE_FLAGS:-} "$dir/../lib/${AGENT_ENTRY}" "$@"
`;

/**
 * `flags`: the program's own Node flags, from its package (the coordinator's
 * node-flags.json, which the test kit passes too, so tests and benches run what ships).
 */
function serverLauncher(name, flags = [], why = '') {
  return `#!/bin/sh
# Starts ${name} from its install folder (bin/../lib/${name}.mjs); node_modules/ beside
# lib/ holds the native SQLite module. --enable-source-maps: stack traces name the
# TypeScript files and lines, from lib/${name}.mjs.map (VIGIL_SOURCE_MAPS=0 turns it off:
# Node parses and keeps the whole map at start, tens of MB).${why ? `\n${why.replace(/^/gm, '# ')}` : ''}
# VIGIL_NODE chooses the node binary (Node.js >= 20); VIGIL_NODE_FLAGS adds Node flags.
set -e
self=$(readlink -f "$0")
dir=$(dirname "$self")
maps=--enable-source-maps
if [ "\${VIGIL_SOURCE_MAPS:-1}" = 0 ]; then maps=; fi
# shellcheck disable=SC2086 # the extra flags are split into words on purpose
exec "\${VIGIL_NODE:-node}" $maps ${flags.length ? `${flags.join(' ')} ` : ''}\${VIGIL_NODE_FLAGS:-} "$dir/../lib/${name}.mjs" "$@"
`;
}

const coordinatorFlags = JSON.parse(readFileSync(new URL('../../packages/coordinator/node-flags.json', import.meta.url), 'utf8'));

/**
 * @typedef {object} Program
 * @property {string} name       program, install folder, Debian package and unit name
 * @property {string} pkgDir     workspace package with dist/main.js
 * @property {string[]} native   modules left out of the bundle and copied into node_modules/
 * @property {[string, string][]} [files]  built folders copied into the install folder: [from the repository, to]
 * @property {[string, string][]} [workers]  worker thread entries bundled beside the program in lib/: [from the package, file name]
 * @property {string} launcher   bin/<name>
 * @property {(o: { pkgDir: string, libDir: string, define: Record<string, string>, programOptions: object }) => Promise<void>} [bundle]
 *   builds the program's bundles into lib/ itself; undefined: one ESM bundle, lib/<name>.mjs
 * @property {string} [programFile]  the bundle in lib/ that holds the program (its .map beside it); @default <name>.mjs
 * @property {string} config     example config in packaging/config/, installed as /etc/vigil/<config>
 * @property {string|undefined} user  system user the unit runs as; undefined: root
 * @property {boolean} [codeCache]  the postinst writes the program's V8 code cache (`--write-code-cache`) into /var/cache/<name>
 * @property {string} [sysctl]  kernel settings in packaging/sysctl/: /usr/lib/sysctl.d/<file> in the .deb, sysctl.d/ in the folder
 * @property {string} summary    Debian short description
 * @property {string} description  Debian long description (lines of at most 80 characters)
 */

/** @type {Program[]} */
export const PROGRAMS = [
  {
    name: 'vigil-agent',
    pkgDir: 'packages/agent',
    native: [],
    // An entry point and the program, CommonJS, so the program loads through V8's code cache.
    bundle: ({ pkgDir, libDir, define, programOptions }) => buildAgentBundles({ pkgDir, outDir: libDir, define, programOptions }),
    programFile: AGENT_PROGRAM,
    launcher: agentLauncher,
    // Its postinst writes the code cache, so the first start of a version finds one.
    codeCache: true,
    config: 'agent.yaml',
    user: undefined,
    summary: 'Vigil host agent: heartbeats, service checks and recovery',
    description: 'Runs on every host of a fleet watched by Vigil: samples the host, streams\nheartbeats to the Vigil coordinator over gRPC with mutual TLS, watches the\nservices declared in its config and restarts them when they fail.',
  },
  {
    name: 'vigil-coordinator',
    pkgDir: 'packages/coordinator',
    native: ['better-sqlite3'],
    // The web console it serves at / (found at ../console/ from lib/, docs/ui.md).
    files: [['packages/console/dist', 'console']],
    // The liveness datagram receiver's thread, found beside the bundle (datagram-receiver.ts).
    workers: [['dist/liveness/datagram-receiver.worker.js', 'datagram-receiver.worker.js']],
    launcher: serverLauncher(
      'vigil-coordinator',
      coordinatorFlags,
      '--max-semi-space-size=16: a young generation of at most 2 x 16 MB, named so that\na newer Node does not change it unseen. A 64 MB one, shipped while every\nheartbeat was stored, costs about 90 MB more RSS and no longer buys fewer stalls\n(docs/performance.md).\n--heap-growing-percent=30: the old generation is collected when it has grown\nby 30 % (V8 lets a large heap double first), which took the memory per agent\nfrom 79-87 KB to 60-67 KB at the same CPU (docs/performance.md).',
    ),
    config: 'coordinator.yaml',
    user: 'vigil-coordinator',
    // net.core.rmem_max for the liveness receiver's 4 MiB socket buffer (datagram-receiver.ts).
    sysctl: '60-vigil-coordinator.conf',
    summary: 'Vigil coordinator: silent-host detection, state and HTTP API',
    description: 'Receives the heartbeats of Vigil agents, detects silent hosts, keeps the\nfleet state in SQLite, publishes events on NATS JetStream and serves the\nHTTP API.',
  },
  {
    name: 'vigil-notify',
    pkgDir: 'packages/notify',
    native: ['better-sqlite3'],
    launcher: serverLauncher('vigil-notify'),
    config: 'notify.yaml',
    user: 'vigil-notify',
    summary: 'Vigil notifier: delivers escalations to pagers',
    description: "Reads Vigil's escalations from NATS JetStream and delivers them to\nAlertmanager, PagerDuty, Slack, webhooks or email, once per incident, level\nand receiver.",
  },
];
