import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { ConfigError } from '@vigil/shared';
import type { CoordinatorTarget, TlsPaths } from './config.js';

/** What one coordinator target is dialled with: credentials plus the channel options they need. */
export interface TargetCredentials {
  readonly credentials: grpc.ChannelCredentials;
  readonly options: grpc.ChannelOptions;
}

/** Credentials for each target, made once per target. */
export type CredentialsFor = (target: CoordinatorTarget) => TargetCredentials;

/**
 * The TLS server name (SNI) sent when the coordinator is dialled by IP address. grpc-js
 * would otherwise send the IP itself as the server name, which RFC 6066 forbids and which
 * Node answers with a DEP0123 warning; it always sends some name, so this one is a
 * reserved `.invalid` name that nothing resolves or routes by. The certificate is still
 * checked against the IP address (an `IP:` subjectAltName), never against this name.
 */
export const IP_TARGET_SERVER_NAME = 'coordinator.vigil.invalid';

/**
 * Channel credentials for the configured transport: mutual TLS when the three files are
 * given, plaintext otherwise (config validation already refused plaintext to any
 * non-loopback coordinator). An unreadable file is a ConfigError naming the option.
 *
 * A target given by host name is verified against that name, as grpc-js does by default.
 * A target given by IP address is verified against that address, and the IP is not sent
 * as the TLS server name (see IP_TARGET_SERVER_NAME).
 */
export function createCredentials(tls: TlsPaths | undefined, readFile: (file: string) => Buffer = readFileSync): CredentialsFor {
  if (!tls) {
    const plain = { credentials: grpc.credentials.createInsecure(), options: {} };
    return () => plain;
  }
  const load = (field: keyof TlsPaths): Buffer => {
    try {
      return readFile(tls[field]);
    } catch (err) {
      throw new ConfigError([`tls.${field} (--tls-${field}): cannot read "${tls[field]}": ${(err as Error).message}`]);
    }
  };
  const [ca, cert, key] = [load('ca'), load('cert'), load('key')];
  const make = (verify?: grpc.VerifyOptions): grpc.ChannelCredentials => {
    try {
      return grpc.credentials.createSsl(ca, key, cert, verify);
    } catch (err) {
      throw new ConfigError([`tls (--tls-ca/--tls-cert/--tls-key): ${(err as Error).message}`]);
    }
  };
  // Made now, so bad PEM files fail at start, not at the first dial.
  const byName: TargetCredentials = { credentials: make(), options: {} };
  const byIp = new Map<string, TargetCredentials>();
  return (target) => {
    if (isIP(target.host) === 0) return byName;
    let c = byIp.get(target.host);
    if (!c) {
      c = {
        credentials: make({ checkServerIdentity: (_name: string, peer: PeerCertificate) => checkServerIdentity(target.host, peer) }),
        options: { 'grpc.ssl_target_name_override': IP_TARGET_SERVER_NAME },
      };
      byIp.set(target.host, c);
    }
    return c;
  };
}
