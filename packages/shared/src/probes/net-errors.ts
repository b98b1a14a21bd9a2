import type { ProbeError, ProbeErrorCode } from './types.js';

/** Node's socket and resolver error codes, mapped onto the probe catalogue. */
const BY_ERRNO: Readonly<Record<string, ProbeErrorCode>> = {
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
  ENETDOWN: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ETIMEDOUT: 'timeout',
  ENOTFOUND: 'not_found',
  EAI_NONAME: 'not_found',
  EAI_NODATA: 'not_found',
  EAI_AGAIN: 'not_found',
  ABORT_ERR: 'timeout',
};

function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** One line describing any thrown value. */
export function describe(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}

function isTlsErrno(errno: string): boolean {
  return errno.startsWith('ERR_TLS') || errno.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_/.test(errno);
}

/** Turns a socket, TLS or resolver error into a probe error with a stable code. */
export function probeErrorFrom(err: unknown): ProbeError {
  const errno = errnoOf(err);
  let code: ProbeErrorCode = 'network';
  if (errno !== undefined) code = BY_ERRNO[errno] ?? (isTlsErrno(errno) ? 'tls' : 'network');
  return { code, message: describe(err) };
}
