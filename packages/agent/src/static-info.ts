import os from 'node:os';
import { si } from './systeminformation.js';

/** Facts about the host that do not change while the agent runs; sent in Hello. */
export interface StaticInfo {
  readonly hostname: string;
  readonly os: {
    readonly platform: string;
    readonly distro: string;
    readonly release: string;
    readonly kernel: string;
    readonly arch: string;
  };
}

/** The fields of `si.osInfo()` used here. */
export interface SiOsInfo {
  platform: string;
  distro: string;
  release: string;
  kernel: string;
  arch: string;
}

/** What Node knows without spawning anything; the fallback when `si.osInfo()` fails. */
export function basicStaticInfo(): StaticInfo {
  return {
    hostname: os.hostname(),
    os: { platform: os.platform(), distro: '', release: '', kernel: os.release(), arch: os.arch() },
  };
}

export function toStaticInfo(hostname: string, info: SiOsInfo): StaticInfo {
  return {
    hostname,
    os: { platform: info.platform, distro: info.distro, release: info.release, kernel: info.kernel, arch: info.arch },
  };
}

let cached: Promise<StaticInfo> | undefined;

/**
 * Reads static facts once per process. `si.osInfo()` spawns several commands (~35 ms), so
 * it must not run per connection or per heartbeat; a slow or failing call falls back to
 * what Node knows rather than delaying the first Hello.
 */
export function readStaticInfo(timeoutMs = 5000): Promise<StaticInfo> {
  cached ??= (async () => {
    const basic = basicStaticInfo();
    let timer: NodeJS.Timeout | undefined;
    try {
      const info = await Promise.race([
        si.osInfo(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('osInfo timed out')), timeoutMs);
          timer.unref();
        }),
      ]);
      return toStaticInfo(basic.hostname, {
        platform: info.platform || basic.os.platform,
        distro: info.distro,
        release: info.release,
        kernel: info.kernel || basic.os.kernel,
        arch: info.arch || basic.os.arch,
      });
    } catch {
      return basic;
    } finally {
      if (timer) clearTimeout(timer);
    }
  })();
  return cached;
}
