// `pnpm run package`: builds Vigil's release artifacts under dist/release/ from the
// compiled packages (`pnpm run build` first):
//
//   dist/release/<program>/                         self-contained install folder
//   dist/release/<program>-<version>-linux-<arch>.tar.gz   the same folder as a tarball
//   dist/release/<program>_<version>-1_<arch>.deb   Debian package (when dpkg-deb exists)
//
// An install folder needs only Node.js >= 20 on the host:
//   bin/<program>            launcher (sh): Node flags, --enable-source-maps
//   lib/<program>.mjs        one esbuild bundle of the program and its dependencies
//   lib/<program>.mjs.map    its source map, so a stack trace names src/*.ts files and lines
//                            (the agent: lib/vigil-agent.cjs, its entry point, and
//                            lib/vigil-agent-main.cjs(.map), the program; see
//                            scripts/package/agent-bundles.mjs)
//   proto/                   the gRPC contract, found relative to the bundle (../proto/)
//   package.json             name and version, read by --version (../package.json)
//   node_modules/            native modules only (better-sqlite3), built for this machine
//   examples/, systemd/      commented example config and the systemd unit
//   sysctl.d/                kernel settings the program needs (coordinator), for /etc/sysctl.d/
//   console/                 the coordinator's web console (static files it serves at /)
//
// Options: --no-deb (folders and tarballs only), --only NAME[,NAME] (some programs),
// --out DIR (instead of dist/release; the e2e test builds into a temp dir).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PROGRAMS } from './package/programs.mjs';
import { buildDeb } from './package/deb.mjs';
import { NODE_BUNDLE_OPTIONS } from './package/node-bundle.mjs';

/** Dependencies a native module needs only to build or download itself, never at run time. */
const INSTALL_ONLY = new Set(['prebuild-install', 'node-gyp', 'node-addon-api']);

const root = fileURLToPath(new URL('../', import.meta.url));
const { values: opts } = parseArgs({ options: { 'no-deb': { type: 'boolean' }, only: { type: 'string' }, out: { type: 'string' } } });
const outDir = opts.out ? resolve(opts.out) : join(root, 'dist/release');
const only = opts.only ? new Set(opts.only.split(',')) : undefined;
for (const name of only ?? []) {
  if (!PROGRAMS.some((p) => p.name === name)) throw new Error(`--only: unknown program "${name}" (known: ${PROGRAMS.map((p) => p.name).join(', ')})`);
}

const arch = hostArch();
mkdirSync(outDir, { recursive: true });

for (const program of PROGRAMS.filter((p) => !only || only.has(p.name))) {
  const started = Date.now();
  const pkgDir = join(root, program.pkgDir);
  const meta = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  if (!existsSync(join(pkgDir, 'dist/main.js'))) throw new Error(`${program.pkgDir}/dist/main.js is missing: run 'pnpm run build' first`);
  const folder = join(outDir, program.name);
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(join(folder, 'lib'), { recursive: true });

  // Linked map beside the bundle; esbuild follows tsc's maps of dist/*.js back to src/*.ts.
  // No sources content: names and lines are what a crash report needs, and it halves the map.
  const mapOptions = { sourcemap: 'linked', sourcesContent: false };
  const define = { __VIGIL_PROTO_DIR__: JSON.stringify('../proto/') };
  const programFile = program.programFile ?? `${program.name}.mjs`;
  if (program.bundle) {
    await program.bundle({ pkgDir, libDir: join(folder, 'lib'), define, programOptions: { ...mapOptions, external: program.native } });
  } else {
    await build({
      stdin: { contents: "import { main } from './dist/main.js';\nmain(process.argv.slice(2));\n", resolveDir: pkgDir, sourcefile: `${program.name}-entry.js`, loader: 'js' },
      outfile: join(folder, 'lib', programFile),
      ...NODE_BUNDLE_OPTIONS,
      ...mapOptions,
      define,
      external: program.native,
      logLevel: 'warning',
    });
  }

  for (const [entry, file] of program.workers ?? []) {
    if (!existsSync(join(pkgDir, entry))) throw new Error(`${program.pkgDir}/${entry} is missing: run 'pnpm run build' first`);
    await build({ entryPoints: [join(pkgDir, entry)], outfile: join(folder, 'lib', file), ...NODE_BUNDLE_OPTIONS, sourcemap: 'linked', sourcesContent: false, external: program.native, logLevel: 'warning' });
    relativeSources(join(folder, 'lib', `${file}.map`));
  }
  relativeSources(join(folder, 'lib', `${programFile}.map`));
  cpSync(join(root, 'proto'), join(folder, 'proto'), { recursive: true });
  writeFileSync(
    join(folder, 'package.json'),
    `${JSON.stringify({ name: program.name, version: meta.version, description: meta.description, type: 'module', private: true, engines: { node: '>=20' } }, null, 2)}\n`,
  );
  mkdirSync(join(folder, 'bin'));
  writeFileSync(join(folder, 'bin', program.name), program.launcher);
  chmodSync(join(folder, 'bin', program.name), 0o755);
  mkdirSync(join(folder, 'examples'));
  cpSync(join(root, 'packaging/config', program.config), join(folder, 'examples', program.config));
  mkdirSync(join(folder, 'systemd'));
  cpSync(join(root, 'packaging/systemd', `${program.name}.service`), join(folder, 'systemd', `${program.name}.service`));
  if (program.sysctl) {
    mkdirSync(join(folder, 'sysctl.d'));
    cpSync(join(root, 'packaging/sysctl', program.sysctl), join(folder, 'sysctl.d', program.sysctl));
  }
  for (const mod of program.native) copyNativeModule(pkgDir, mod, join(folder, 'node_modules', mod));
  for (const [from, to] of program.files ?? []) {
    if (!existsSync(join(root, from))) throw new Error(`${from} is missing: run 'pnpm run build' first`);
    cpSync(join(root, from), join(folder, to), { recursive: true });
  }
  // Native modules: debug symbols out (a third of the size), and a library is not a program.
  for (const lib of program.native.length > 0 ? findFiles(join(folder, 'node_modules'), /\.node$/) : []) {
    if (hasTool('strip')) execFileSync('strip', ['--strip-unneeded', lib]);
    chmodSync(lib, 0o644);
  }

  const fileArch = program.native.length > 0 ? arch : 'all';
  const tarball = join(outDir, `${program.name}-${meta.version}-linux-${fileArch === 'all' ? 'noarch' : fileArch}.tar.gz`);
  execFileSync('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '-C', outDir, '-czf', tarball, program.name]);
  const made = [tarball];
  if (!opts['no-deb'] && !hasTool('dpkg-deb')) throw new Error('dpkg-deb not found: install dpkg, or pass --no-deb for folders and tarballs only');
  if (!opts['no-deb']) made.push(buildDeb({ root, outDir, folder, program, version: meta.version, arch: fileArch }));
  console.log(`${program.name} ${meta.version}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  for (const f of made) console.log(`  ${f} ${(statSync(f).size / 1024).toFixed(0)} KiB`);
}

/**
 * Copies a dependency the bundle leaves external (a native module) with the runtime files
 * it needs: its JavaScript, its package.json and the built .node file, not its C sources
 * (better-sqlite3 ships ~10 MB of SQLite source). Its own dependencies come along.
 */
function copyNativeModule(fromDir, name, to) {
  const src = realpathSync(join(fromDir, 'node_modules', name));
  const skip = new Set(['node_modules', 'deps', 'src', 'docs', 'test', 'obj.target', '.deps', 'binding.gyp']);
  cpSync(src, to, {
    recursive: true,
    dereference: true,
    filter: (p) => {
      const rel = p.slice(src.length + 1);
      const parts = rel.split('/');
      if (parts.some((x) => skip.has(x))) return false;
      // Under build/, only the finished module (build/Release/*.node).
      if (parts[0] === 'build' && parts.length > 1 && !(parts[1] === 'Release' && (parts.length === 2 || rel.endsWith('.node')))) return false;
      if (rel.endsWith('test_extension.node')) return false;
      // No sources, docs or dotfiles (.npmignore, .eslintrc): only what runs.
      return !/\.(md|ts|c|cc|h|gypi?)$/i.test(rel) && !parts.some((x) => x.startsWith('.'));
    },
  });
  const meta = JSON.parse(readFileSync(join(src, 'package.json'), 'utf8'));
  for (const dep of Object.keys(meta.dependencies ?? {}).filter((d) => !INSTALL_ONLY.has(d))) {
    const depTo = join(dirname(to), dep);
    // pnpm keeps a package's dependencies beside it: .pnpm/<pkg>@<v>/node_modules/<dep>.
    if (!existsSync(depTo)) copyNativeModule(dirname(dirname(src)), dep, depTo);
  }
}

function findFiles(dir, pattern) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && pattern.test(e.name))
    .map((e) => join(e.parentPath ?? e.path, e.name));
}

/**
 * esbuild writes each source as a path from the map to the file on the build machine
 * (../../../../home/ci/vigil/packages/agent/src/main.ts); after installing, that would
 * name the build machine's directories. Each becomes its path in the repository
 * (packages/agent/src/main.ts), so a stack trace reads
 * /usr/lib/vigil-agent/lib/packages/agent/src/main.ts:40:5 on every host, whoever built it.
 */
function relativeSources(mapFile) {
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  // A plugin's namespace (zod-locales:/abs/path) names an absolute path after the colon.
  map.sources = map.sources.map((s) => relative(root, /^[\w-]+:\//.test(s) ? s.replace(/^[\w-]+:/, '') : resolve(dirname(mapFile), s)));
  writeFileSync(mapFile, JSON.stringify(map));
}

/** Debian's name for this machine's architecture, from dpkg where it exists. */
function hostArch() {
  if (hasTool('dpkg')) return execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  return { x64: 'amd64', arm64: 'arm64', arm: 'armhf', ia32: 'i386', ppc64: 'ppc64el', s390x: 's390x' }[process.arch] ?? process.arch;
}

function hasTool(tool) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
