import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ConfigError } from '@vigil/shared';
import type { TlsPaths } from './config.js';

/**
 * Channel credentials for the configured transport: mutual TLS when the three files are
 * given, plaintext otherwise (config validation already refused plaintext to any
 * non-loopback coordinator). An unreadable file is a ConfigError naming the option.
 */
export function createCredentials(tls: TlsPaths | undefined, readFile: (file: string) => Buffer = readFileSync): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  const load = (field: keyof TlsPaths): Buffer => {
    try {
      return readFile(tls[field]);
    } catch (err) {
      throw new ConfigError([`tls.${field} (--tls-${field}): cannot read "${tls[field]}": ${(err as Error).message}`]);
    }
  };
  const [ca, cert, key] = [load('ca'), load('cert'), load('key')];
  try {
    return grpc.credentials.createSsl(ca, key, cert);
  } catch (err) {
    throw new ConfigError([`tls (--tls-ca/--tls-cert/--tls-key): ${(err as Error).message}`]);
  }
}
