import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { tempDir } from './temp-dir.js';

const MAKE_CERTS = fileURLToPath(new URL('../../scripts/make-certs.sh', import.meta.url));

export interface CertFiles {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  /** Client certificate and key naming `hostId` (SAN DNS and CN). */
  client(hostId: string): { cert: string; key: string };
}

/**
 * A CA, a coordinator certificate (SAN DNS:localhost, IP:127.0.0.1) and one client
 * certificate per host id, made by scripts/make-certs.sh in a temp directory.
 */
export async function makeCerts(hostIds: string[], opts: { serverSan?: string; dir?: string } = {}): Promise<CertFiles> {
  const dir = opts.dir ?? tempDir('certs');
  const args = [MAKE_CERTS];
  if (opts.serverSan) args.push('--server-san', opts.serverSan);
  args.push(dir, ...hostIds);
  await promisify(execFile)('bash', args, { timeout: 30_000 });
  const made = new Set(hostIds);
  return {
    dir,
    ca: join(dir, 'ca.crt'),
    serverCert: join(dir, 'coordinator.crt'),
    serverKey: join(dir, 'coordinator.key'),
    client(hostId: string) {
      if (!made.has(hostId)) throw new Error(`no client certificate was made for ${hostId}`);
      return { cert: join(dir, 'agents', `${hostId}.crt`), key: join(dir, 'agents', `${hostId}.key`) };
    },
  };
}
