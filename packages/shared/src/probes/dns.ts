import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { probeErrorFrom } from './net-errors.js';
import { isNeverResolvable } from './target.js';
import type { DnsDetail, Probe, ProbeContext, ProbeError, ProbeOutcome, ProbeRequest } from './types.js';
import { capText, RESULT_CAPS } from './text-cap.js';

declare module './types.js' {
  interface ProbeDetails {
    dns: DnsDetail;
  }
}

/** Resolves a name to every address it has. */
export type ResolveAll = (name: string) => Promise<readonly string[]>;

/**
 * getaddrinfo, as every other program on the host resolves: /etc/hosts first, then DNS,
 * per nsswitch. Querying DNS servers directly would miss names the host knows locally.
 */
export const systemResolve: ResolveAll = async (name) =>
  (await dns.lookup(name, { all: true, verbatim: true })).map((a) => a.address);

export interface DnsProbeOptions {
  /** Budget when the request names none. @default 5000 */
  defaultTimeoutMs?: number;
  /** How names are resolved. @default systemResolve */
  resolve?: ResolveAll;
}

/**
 * Races the lookup against the budget. getaddrinfo cannot be cancelled: after a timeout
 * its thread stays busy until the resolver gives up, which the runner's concurrency
 * bound keeps from piling up.
 */
type Answer = { addresses: readonly string[] } | { error: ProbeError };

function withinBudget(name: string, resolve: ResolveAll, ctx: ProbeContext): Promise<Answer> {
  return new Promise((settle) => {
    const finish = (value: Answer): void => {
      ctx.clock.clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      settle(value);
    };
    const onAbort = (): void => finish({ error: { code: 'timeout', message: `${name} did not resolve: probe aborted` } });
    const timer = ctx.clock.setTimeout(
      () => finish({ error: { code: 'timeout', message: `${name} did not resolve within ${ctx.timeoutMs} ms` } }),
      ctx.timeoutMs,
    );
    if (ctx.signal.aborted) return onAbort();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    resolve(name).then(
      (addresses) => finish({ addresses }),
      (err: unknown) => finish({ error: probeErrorFrom(err) }),
    );
  });
}

/** The runbook's dns_resolution check: the name resolves to at least one address. */
export function createDnsProbe(options: DnsProbeOptions = {}): Probe<'dns'> {
  const resolve = options.resolve ?? systemResolve;
  return {
    kind: 'dns',
    capDetail: (d) => ({ ...d, addresses: d.addresses.slice(0, RESULT_CAPS.addresses).map((a) => capText(a, RESULT_CAPS.address)) }),
    toWire: (d) => ({ addresses: [...d.addresses], ...(d.skipped ? { refused: 'skipped' } : {}) }),
    defaultTimeoutMs: options.defaultTimeoutMs ?? 5000,
    minTimeoutMs: 100,
    async run(request: ProbeRequest, ctx: ProbeContext): Promise<ProbeOutcome<DnsDetail>> {
      const name = request.target;
      // An address needs no resolving; that is not a resolution failure either.
      if (isIP(name) !== 0) return { ok: true, detail: { kind: 'dns', skipped: true, addresses: [name] } };
      const failed = (error: ProbeError): ProbeOutcome<DnsDetail> => ({ ok: false, detail: { kind: 'dns', skipped: false, addresses: [] }, error });
      if (isNeverResolvable(name)) return failed({ code: 'not_found', message: `${name} is a reserved name that never resolves` });

      const answer = await withinBudget(name, resolve, ctx);
      if ('error' in answer) return failed(answer.error);
      const addresses = [...new Set(answer.addresses)];
      if (addresses.length === 0) return failed({ code: 'not_found', message: `${name} resolved to no address` });
      return { ok: true, detail: { kind: 'dns', skipped: false, addresses } };
    },
  };
}

export const dnsProbe = createDnsProbe();
