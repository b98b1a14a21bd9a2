import { systemClock, type Clock, type TimerHandle } from '../clock.js';
import { capResult } from './cap.js';
import { describe } from './net-errors.js';
import { validateProbeRequest } from './schema.js';
import { ProbeRateLimiter } from './token-bucket.js';
import { roundMs } from './timing.js';
import type { ProbeError, ProbeOutcome, ProbeRequest, ProbeResult, ProbeTable } from './types.js';

export interface ProbeRunnerOptions {
  /** Probes running at once; a probe holds a socket or a ping process. @default 4 */
  concurrency?: number;
  /** Probes waiting for a slot; beyond this a request is answered `busy` at once. @default 16 */
  maxQueued?: number;
  /** Probes started per second on average; beyond this a request is answered `rate_limited`. @default 20 */
  ratePerSecond?: number;
  /** Probes that may arrive at once after a quiet spell. @default ratePerSecond */
  burst?: number;
  /**
   * How long past its own budget a probe may take before the runner answers `timeout` for
   * it and aborts it. Covers process start and exit around ping's own deadline.
   * @default 1000
   */
  hardTimeoutGraceMs?: number;
  /** Wall clock for timers, the rate limit and `startedAtMs`. @default systemClock */
  clock?: Clock;
  /** Monotonic milliseconds for durations. @default performance.now */
  now?: () => number;
}

interface Waiting {
  readonly request: ProbeRequest;
  readonly queuedAt: number;
  readonly answer: (result: ProbeResult) => void;
}

interface Active {
  readonly controller: AbortController;
  readonly stop: () => void;
}

/** The fields a refusal can echo from a request that may not even be an object. */
function echo(input: unknown): { id: string; kind: string; target: string } {
  const o = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const text = (key: string): string => {
    try {
      const v = o[key];
      return typeof v === 'string' ? v : '';
    } catch {
      return '';
    }
  };
  return { id: text('id'), kind: text('kind'), target: text('target') };
}

/**
 * Runs probes on behalf of the coordinator. Every request gets exactly one result and the
 * returned promise never rejects: a bad request, an overload or a crashing probe is a
 * failed result, not an exception. Probes run under a concurrency bound, a rate limit and
 * a hard deadline each, so a flood of requests cannot turn the agent into a scanner.
 */
export class ProbeRunner {
  private readonly concurrency: number;
  private readonly maxQueued: number;
  private readonly graceMs: number;
  private readonly clock: Clock;
  private readonly now: () => number;
  private readonly probes: ProbeTable;
  private readonly limiter: ProbeRateLimiter;
  private readonly queue: Waiting[] = [];
  private readonly active = new Set<Active>();
  private closed = false;

  /** `probes` is the kind table, normally `PROBES`; tests pass stand-ins. */
  constructor(probes: ProbeTable, options: ProbeRunnerOptions = {}) {
    this.probes = probes;
    this.concurrency = options.concurrency ?? 4;
    this.maxQueued = options.maxQueued ?? 16;
    this.graceMs = options.hardTimeoutGraceMs ?? 1000;
    this.clock = options.clock ?? systemClock;
    this.now = options.now ?? (() => performance.now());
    const rate = options.ratePerSecond ?? 20;
    if (!(this.concurrency >= 1) || !(this.maxQueued >= 0)) {
      throw new RangeError(`a probe runner needs concurrency >= 1 and maxQueued >= 0 (got ${this.concurrency}, ${this.maxQueued})`);
    }
    this.limiter = new ProbeRateLimiter(rate, options.burst ?? rate, this.clock);
  }

  /** Probes running now and probes waiting for a slot. */
  get load(): { running: number; queued: number } {
    return { running: this.active.size, queued: this.queue.length };
  }

  /**
   * Validates `input` and runs the probe it asks for, or refuses it. Admission is decided
   * before this returns, so `load` already counts the request.
   */
  run(input: unknown): Promise<ProbeResult> {
    return new Promise((answer) => {
      const refuse = (error: ProbeError, who = echo(input)): void =>
        answer(capResult({ ...who, ok: false, startedAtMs: this.clock.now(), durationMs: 0, queuedMs: 0, detail: null, error }));

      if (this.closed) return refuse({ code: 'stopped', message: 'the probe runner is closed' });
      const v = validateProbeRequest(input);
      if (!v.ok) return refuse({ code: 'invalid_request', message: v.message });
      const request = v.request;
      const who = { id: request.id, kind: request.kind, target: request.target };
      const min = this.probes[request.kind].minTimeoutMs;
      if (request.timeoutMs !== undefined && request.timeoutMs < min) {
        return refuse({ code: 'invalid_request', message: `timeoutMs: ${request.kind} probes need at least ${min} ms (got ${request.timeoutMs})` }, who);
      }
      // The rate is checked before capacity, so a refused flood does not reach the queue.
      if (!this.limiter.tryTake()) return refuse({ code: 'rate_limited', message: 'too many probe requests; try again later' }, who);

      const waiting: Waiting = { request, queuedAt: this.now(), answer };
      if (this.active.size < this.concurrency) return this.start(waiting);
      if (this.queue.length >= this.maxQueued) {
        return refuse({ code: 'busy', message: `${this.active.size} probes running and ${this.queue.length} queued` }, who);
      }
      this.queue.push(waiting);
    });
  }

  /** Refuses new requests, answers queued ones `stopped` and aborts running ones. */
  close(): void {
    this.closed = true;
    for (const w of this.queue.splice(0)) {
      const r = w.request;
      w.answer(capResult({ id: r.id, kind: r.kind, target: r.target, ok: false, startedAtMs: this.clock.now(), durationMs: 0, queuedMs: roundMs(this.now() - w.queuedAt), detail: null, error: { code: 'stopped', message: 'the probe runner closed before the probe started' } }));
    }
    for (const a of [...this.active]) a.stop();
  }

  private start(w: Waiting): void {
    const { request } = w;
    const probe = this.probes[request.kind];
    const timeoutMs = request.timeoutMs ?? probe.defaultTimeoutMs;
    const controller = new AbortController();
    const startedAtMs = this.clock.now();
    const t0 = this.now();
    const queuedMs = t0 - w.queuedAt;
    let hard: TimerHandle | undefined;
    let answered = false;

    const deliver = (outcome: Pick<ProbeOutcome, 'ok' | 'error'> & { detail: ProbeOutcome['detail'] | null }): void => {
      if (answered) return;
      answered = true;
      if (hard) this.clock.clearTimeout(hard);
      this.active.delete(entry);
      const result: ProbeResult = {
        id: request.id,
        kind: request.kind,
        target: request.target,
        ok: outcome.ok,
        startedAtMs,
        durationMs: roundMs(this.now() - t0),
        queuedMs: roundMs(queuedMs),
        detail: outcome.detail,
        ...(outcome.error ? { error: outcome.error } : {}),
      };
      w.answer(capResult(result));
      this.pump();
    };
    const entry: Active = {
      controller,
      stop: () => {
        deliver({ ok: false, detail: null, error: { code: 'stopped', message: 'the probe runner closed while the probe ran' } });
        controller.abort();
      },
    };
    this.active.add(entry);

    // The slot is freed when the result is delivered. Probes honour the abort, so the
    // work behind a hard timeout ends soon after; a queued probe may start meanwhile.
    hard = this.clock.setTimeout(() => {
      deliver({ ok: false, detail: null, error: { code: 'timeout', message: `${request.kind} probe of ${request.target} exceeded its ${timeoutMs} ms budget` } });
      controller.abort();
    }, timeoutMs + this.graceMs);

    let call: Promise<ProbeOutcome>;
    try {
      call = probe.run(request, { timeoutMs, signal: controller.signal, clock: this.clock, now: this.now });
    } catch (err) {
      // A probe that throws synchronously instead of rejecting.
      call = Promise.reject(err);
    }
    call.then(
      (outcome) => deliver(outcome),
      (err: unknown) => deliver({ ok: false, detail: null, error: { code: 'internal', message: `${request.kind} probe failed: ${describe(err)}` } }),
    );
  }

  /** Starts queued probes while there are free slots, oldest first. */
  private pump(): void {
    while (!this.closed && this.active.size < this.concurrency) {
      const next = this.queue.shift();
      if (!next) return;
      this.start(next);
    }
  }
}
