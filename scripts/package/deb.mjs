// Builds one Debian package from an install folder with dpkg-deb (no debhelper needed):
//   /usr/lib/<name>/            the install folder
//   /usr/bin/<name>             symlink to its launcher
//   /etc/vigil/<config>         commented example config (a conffile: upgrades keep edits)
//   /lib/systemd/system/<name>.service
//   /usr/lib/sysctl.d/<file>   kernel settings the program needs (coordinator), applied at boot
//   /usr/share/doc/<name>/      copyright, changelog.Debian.gz
//   DEBIAN/                     control, conffiles, postinst, prerm, postrm
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const MAINTAINER = 'Vigil maintainers <vigil@example.org>';

/** Returns the path of the .deb it wrote. */
export function buildDeb({ root, outDir, folder, program, version, arch }) {
  const { name } = program;
  const debVersion = `${version}-1`;
  const stage = join(outDir, '.deb-root', name);
  rmSync(stage, { recursive: true, force: true });
  const at = (p) => join(stage, p);
  mkdirSync(at('usr/lib'), { recursive: true });
  cpSync(folder, at(`usr/lib/${name}`), { recursive: true });
  // The unit and example config live at their system paths in the package.
  rmSync(at(`usr/lib/${name}/systemd`), { recursive: true });
  rmSync(at(`usr/lib/${name}/examples`), { recursive: true });
  rmSync(at(`usr/lib/${name}/sysctl.d`), { recursive: true, force: true });
  mkdirSync(at('usr/bin'), { recursive: true });
  symlinkSync(`../lib/${name}/bin/${name}`, at(`usr/bin/${name}`));
  mkdirSync(at('etc/vigil'), { recursive: true });
  cpSync(join(root, 'packaging/config', program.config), at(`etc/vigil/${program.config}`));
  mkdirSync(at('lib/systemd/system'), { recursive: true });
  cpSync(join(root, 'packaging/systemd', `${name}.service`), at(`lib/systemd/system/${name}.service`));
  if (program.sysctl) {
    mkdirSync(at('usr/lib/sysctl.d'), { recursive: true });
    cpSync(join(root, 'packaging/sysctl', program.sysctl), at(`usr/lib/sysctl.d/${program.sysctl}`));
  }
  const doc = at(`usr/share/doc/${name}`);
  mkdirSync(doc, { recursive: true });
  cpSync(join(root, 'packaging/debian/copyright'), join(doc, 'copyright'));
  const changelog = readFileSync(join(root, 'packaging/debian/changelog'), 'utf8').replaceAll('@NAME@', name);
  writeFileSync(join(doc, 'changelog.Debian.gz'), gzipSync(Buffer.from(changelog), { level: 9 }));

  mkdirSync(at('DEBIAN'));
  const installedKb = Number(execFileSync('du', ['-sk', '--exclude=DEBIAN', stage], { encoding: 'utf8' }).split('\t')[0]);
  const depends = ['nodejs (>= 20)', ...(program.native.length > 0 ? ['libc6'] : []), ...(program.user ? ['adduser'] : [])];
  writeFileSync(
    at('DEBIAN/control'),
    [
      `Package: ${name}`,
      `Version: ${debVersion}`,
      `Architecture: ${arch}`,
      `Maintainer: ${MAINTAINER}`,
      `Installed-Size: ${installedKb}`,
      `Depends: ${depends.join(', ')}`,
      'Section: admin',
      'Priority: optional',
      `Description: ${program.summary}`,
      ...program.description.split('\n').map((l) => ` ${l}`),
      '',
    ].join('\n'),
  );
  writeFileSync(at('DEBIAN/conffiles'), `/etc/vigil/${program.config}\n`);
  for (const script of ['postinst', 'prerm', 'postrm']) {
    const text = chooseBranch(readFileSync(join(root, 'packaging/debian', `${script}.in`), 'utf8'), program.user !== undefined)
      .replaceAll('@NAME@', name)
      .replaceAll('@USER@', program.user ?? '')
      .replace('@SYSCTL@\n', sysctlStep(root, program.sysctl))
      .replace('@CODE_CACHE@\n', codeCacheStep(name, program.codeCache));
    writeFileSync(at(`DEBIAN/${script}`), text);
    chmodSync(at(`DEBIAN/${script}`), 0o755);
  }
  const deb = join(outDir, `${name}_${debVersion}_${arch}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb], { stdio: ['ignore', 'ignore', 'inherit'] });
  rmSync(join(outDir, '.deb-root'), { recursive: true, force: true });
  return deb;
}

/**
 * The postinst step for a program's sysctl.d file: on a running system (systemd is PID 1:
 * not a chroot or an image being built, where the file simply applies at the first boot)
 * each setting is raised now where the running value is lower, so the coordinator needs no
 * reboot; a higher value stays. The function is packaging/debian/raise-sysctl.sh, tested
 * on its own.
 */
export function sysctlStep(root, file) {
  if (!file) return '';
  const fn = readFileSync(join(root, 'packaging/debian/raise-sysctl.sh'), 'utf8');
  return `${fn}
# Kernel settings the program needs (/usr/lib/sysctl.d/${file}): applied by systemd-sysctl
# at boot; raised now on a running system where lower.
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
\traise_sysctl /usr/lib/sysctl.d/${file} || true
fi
`;
}

/**
 * The postinst step that writes a program's V8 code cache into its unit's CacheDirectory=
 * (/var/cache/<name>, as root like the unit), before an upgrade restarts the unit: so the
 * first start of a new version deserialises its program instead of parsing it, which
 * could keep part of the parser's memory for the process's lifetime
 * (packages/agent/src/boot/code-cache.ts). A cache that cannot be made only costs that
 * start its memory and speed: the install goes on.
 */
export function codeCacheStep(name, wanted) {
  if (!wanted) return '';
  return `# V8's code cache of the program, in the unit's CacheDirectory=, for its next start.
if [ "$1" = configure ]; then
	install -d -o root -g root -m 0700 "/var/cache/$name"
	VIGIL_AGENT_CACHE_DIR="/var/cache/$name" "/usr/bin/$name" --write-code-cache >/dev/null || true
fi
`;
}

/**
 * Keeps the `#IF-USER` … `#ELSE` part of a maintainer script for a program with a system
 * user, the `#ELSE` … `#END` part otherwise: the agent's scripts then never mention
 * adduser, which it does not depend on.
 */
function chooseBranch(text, withUser) {
  return text.replace(/^#IF-USER\n([\s\S]*?)^#ELSE\n([\s\S]*?)^#END\n/m, (_m, user, other) => (withUser ? user : other));
}
