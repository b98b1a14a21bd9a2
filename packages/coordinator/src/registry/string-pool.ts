import type { ValidHeartbeat, ValidHello } from '@vigil/shared';

/**
 * One copy of each short string that many hosts repeat: mount points, device, filesystem
 * and interface names, service, manager and check names, OS fields, agent versions and
 * capabilities. Every Hello and heartbeat decodes fresh copies of them, and the registry
 * keeps each host's latest, so without a pool a fleet holds one copy per host (about half
 * a KB per host in a heap snapshot of a loaded coordinator).
 *
 * Bounded: once `maxEntries` distinct strings are held, new ones are kept as they came, so
 * agents reporting ever-new names cost the pool nothing more. Strings longer than
 * `maxLength` are never pooled. Fields whose values differ per host or per report (check
 * details, addresses, labels) are left out, as they would only fill it.
 */
export class StringPool {
  private readonly pool = new Map<string, string>();

  constructor(
    readonly maxEntries = 20_000,
    readonly maxLength = 128,
  ) {}

  /** The pooled copy of `s`, pooling it first if there is room. */
  intern(s: string): string {
    if (s.length > this.maxLength) return s;
    const had = this.pool.get(s);
    if (had !== undefined) return had;
    if (this.pool.size < this.maxEntries) this.pool.set(s, s);
    return s;
  }

  has(s: string): boolean {
    return this.pool.has(s);
  }

  get size(): number {
    return this.pool.size;
  }

  /** The Hello's repeated fields, replaced in place by their pooled copies. */
  internHello(hello: ValidHello): void {
    // Most hosts are named by their host name: one string serves both fields (not pooled,
    // as no other host shares it).
    if (hello.hostname === hello.hostId) hello.hostname = hello.hostId;
    hello.agentVersion = this.intern(hello.agentVersion);
    const os = hello.os;
    if (os) {
      os.platform = this.intern(os.platform);
      os.distro = this.intern(os.distro);
      os.release = this.intern(os.release);
      os.kernel = this.intern(os.kernel);
      os.arch = this.intern(os.arch);
    }
    for (let i = 0; i < hello.capabilities.length; i++) hello.capabilities[i] = this.intern(hello.capabilities[i]!);
    for (const s of hello.services) {
      s.name = this.intern(s.name);
      s.manager = this.intern(s.manager);
    }
  }

  /** The heartbeat's kept names (sample and service status), replaced in place. */
  internHeartbeat(hb: ValidHeartbeat): void {
    const r = hb.resources;
    if (r) {
      for (const fs of r.filesystems) {
        fs.mount = this.intern(fs.mount);
        fs.device = this.intern(fs.device);
        fs.fsType = this.intern(fs.fsType);
      }
      for (const n of r.network) n.name = this.intern(n.name);
    }
    for (const s of hb.services) {
      s.name = this.intern(s.name);
      s.manager = this.intern(s.manager);
      for (const c of s.checks) {
        c.name = this.intern(c.name);
        c.type = this.intern(c.type);
      }
    }
  }
}
