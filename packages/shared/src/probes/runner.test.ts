import { FakeClock } from '../clock.js';
import { describe, expect, it } from 'vitest';
import { PROBES } from './index.js';
import { ProbeRunner, type ProbeRunnerOptions } from './runner.js';
import type { Probe, ProbeContext, ProbeOutcome, ProbeRequest, ProbeResult, SshDetail, TcpDetail } from './types.js';

/** A tcp probe whose calls the test settles by hand. */
function gatedProbe() {
  const calls: Array<{ request: ProbeRequest; ctx: ProbeContext; settle: (o: ProbeOutcome<TcpDetail>) => void; fail: (e: unknown) => void }> = [];
  const probe: Probe<'tcp'> = {
    kind: 'tcp',
    defaultTimeoutMs: 5000,
    minTimeoutMs: 100,
    run: (request, ctx) => new Promise((settle, fail) => calls.push({ request, ctx, settle, fail })),
  };
  const up: ProbeOutcome<TcpDetail> = { ok: true, detail: { kind: 'tcp', port: 1, connectMs: 1 } };
  return { probe, calls, up };
}

function setup(options: ProbeRunnerOptions = {}) {
  const clock = new FakeClock();
  const gate = gatedProbe();
  const runner = new ProbeRunner({ ...PROBES, tcp: gate.probe }, { clock, now: () => clock.now(), ...options });
  return { clock, runner, ...gate };
}

const tcp = (id: string, extra: object = {}) => ({ id, kind: 'tcp', target: '127.0.0.1', port: 22, ...extra });

/** Lets settled promises run their callbacks; no time passes. */
const flush = () => new Promise((r) => setImmediate(r));

/** Tracks a result promise so a test can see whether it has been answered yet. */
function track(p: Promise<ProbeResult>) {
  const t: { result?: ProbeResult } = {};
  void p.then((r) => (t.result = r));
  return t;
}

describe('runner - bad requests', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['an unknown kind', { id: 'b1', kind: 'exec', target: '127.0.0.1' }, /^kind: .*\(got "exec"\)$/],
    ['an option as target', { id: 'b2', kind: 'ping', target: '-oProxyCommand=x' }, /^target: must not start with '-' \(got "-oProxyCommand=x"\)$/],
    ['a port above 65535', { id: 'b3', kind: 'ssh', target: '127.0.0.1', port: 70000 }, /^port: .*65535.*\(got 70000\)$/],
    ['a fractional port', { id: 'b4', kind: 'ssh', target: '127.0.0.1', port: 22.5 }, /^port: .*\(got 22\.5\)$/],
    ['shell syntax in target', { id: 'b5', kind: 'ping', target: '127.0.0.1;reboot' }, /^target: must be an IP address or a host name.*\(got "127\.0\.0\.1;reboot"\)$/],
    ['a command substitution', { id: 'b6', kind: 'dns', target: '$(reboot)' }, /^target: .*\(got "\$\(reboot\)"\)$/],
    ['a space in target', { id: 'b7', kind: 'ping', target: 'a b' }, /^target: /],
    ['a shorthand address', { id: 'b8', kind: 'ping', target: '127.1' }, /^target: looks like an IP address but is not a complete one/],
    ['a url on a ping', { id: 'b9', kind: 'ping', target: '127.0.0.1', url: 'http://127.0.0.1/' }, /^url: only http probes take a url, not ping/],
    ['a file url', { id: 'b10', kind: 'http', target: '127.0.0.1', url: 'file:///etc/passwd' }, /^url: must use http or https \(got "file:\/\/\/etc\/passwd"\)$/],
    ['credentials in a url', { id: 'b11', kind: 'http', target: '127.0.0.1', url: 'http://root:pw@127.0.0.1/' }, /^url: must not carry a user name or password/],
    ['a timeout beyond the maximum', { id: 'b12', kind: 'tcp', target: '127.0.0.1', port: 1, timeoutMs: 999_999 }, /^timeoutMs: .*60000.*\(got 999999\)$/],
    ['a ping deadline under a second', { id: 'b13', kind: 'ping', target: '127.0.0.1', timeoutMs: 500 }, /^timeoutMs: ping probes need at least 1000 ms \(got 500\)$/],
    ['an id with a space', { id: 'a b', kind: 'ping', target: '127.0.0.1' }, /^id: must be printable ASCII without spaces/],
    ['a missing target', { id: 'b15', kind: 'ping' }, /^target: .*\(got missing\)$/],
    ['a tcp probe without a port', { id: 'b16', kind: 'tcp', target: '127.0.0.1' }, /^port: required for tcp probes/],
    ['not an object', 'ping 127.0.0.1', /^\(root\): /],
    ['null', null, /^\(root\): /],
  ];
  it.each(cases)('runner - %s is refused, naming the field', async (_name, input, message) => {
    const { runner, calls } = setup();
    const r = await runner.run(input);
    expect(r).toMatchObject({ ok: false, durationMs: 0, detail: null, error: { code: 'invalid_request' } });
    expect(r.error?.message).toMatch(message);
    expect(calls).toHaveLength(0);
  });

  it('runner - a refusal echoes what it can, capped', async () => {
    const { runner } = setup();
    const r = await runner.run({ id: 'x'.repeat(1000), kind: 'exec', target: 'y'.repeat(10_000) });
    expect(r.id).toHaveLength(128);
    expect(r.kind).toBe('exec');
    expect(r.target).toHaveLength(253);
    expect(r.error!.message.length).toBeLessThanOrEqual(512);
  });

  it('runner - a request that cannot even be read is refused, not thrown', async () => {
    const { runner } = setup();
    const hostile = { get id(): string { throw new Error('no'); }, kind: 'ping', target: '127.0.0.1' };
    expect(await runner.run(hostile)).toMatchObject({ ok: false, id: '', kind: 'ping', error: { code: 'invalid_request', message: '(root): could not be read (no)' } });
  });

  it('runner - unknown fields are ignored', async () => {
    const { runner, calls, up } = setup();
    const p = runner.run({ ...tcp('u1'), priority: 'high' });
    calls[0]!.settle(up);
    expect(await p).toMatchObject({ ok: true, id: 'u1' });
    expect(calls[0]!.request).not.toHaveProperty('priority');
    expect(Object.isFrozen(calls[0]!.request)).toBe(true);
  });
});

describe('runner - concurrency', () => {
  it('runner - runs 4 at once by default, queues up to the bound, then answers busy', async () => {
    const { runner, calls, up } = setup({ maxQueued: 2 });
    const results = Array.from({ length: 6 }, (_, i) => track(runner.run(tcp(`c${i}`))));
    expect(calls).toHaveLength(4);
    expect(runner.load).toEqual({ running: 4, queued: 2 });

    const refused = await runner.run(tcp('c6'));
    expect(refused).toMatchObject({ ok: false, error: { code: 'busy' }, detail: null });
    expect(refused.error?.message).toBe('4 probes running and 2 queued');

    calls[1]!.settle(up);
    await flush();
    expect(results[1]!.result).toMatchObject({ id: 'c1', ok: true });
    // The oldest queued request takes the freed slot.
    expect(calls.map((c) => c.request.id)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect(runner.load).toEqual({ running: 4, queued: 1 });
  });

  it('runner - time spent queued is reported apart from run time', async () => {
    const { runner, calls, up, clock } = setup({ concurrency: 1 });
    const first = runner.run(tcp('q0'));
    const second = runner.run(tcp('q1'));
    clock.advance(30);
    calls[0]!.settle(up);
    expect(await first).toMatchObject({ durationMs: 30, queuedMs: 0 });
    clock.advance(20);
    calls[1]!.settle(up);
    expect(await second).toMatchObject({ durationMs: 20, queuedMs: 30 });
  });
});

describe('runner - rate', () => {
  it('runner - a burst of 20 passes, the 21st is rate limited until a token arrives', async () => {
    const { runner, clock } = setup({ concurrency: 100 });
    const accepted = Array.from({ length: 20 }, (_, i) => track(runner.run(tcp(`r${i}`))));
    expect(runner.load.running).toBe(20);
    expect(await runner.run(tcp('r20'))).toMatchObject({ ok: false, error: { code: 'rate_limited' } });

    clock.advance(49);
    expect(await runner.run(tcp('r21'))).toMatchObject({ error: { code: 'rate_limited' } });
    clock.advance(1);
    void runner.run(tcp('r22'));
    expect(runner.load.running).toBe(21);
    expect(accepted.every((t) => t.result === undefined)).toBe(true);
  });

  it('runner - invalid requests cost no token', async () => {
    const { runner } = setup({ ratePerSecond: 1, burst: 1 });
    await runner.run({ id: 'bad', kind: 'exec', target: 'x' });
    expect(runner.load.running).toBe(0);
    void runner.run(tcp('good'));
    expect(runner.load.running).toBe(1);
  });
});

describe('runner - isolation', () => {
  it('runner - a probe past its budget is answered timeout and aborted; its slot is freed', async () => {
    const { runner, calls, clock } = setup({ concurrency: 1, hardTimeoutGraceMs: 500 });
    const stuck = track(runner.run(tcp('h0', { timeoutMs: 1000 })));
    void runner.run(tcp('h1'));
    expect(calls[0]!.ctx.timeoutMs).toBe(1000);

    clock.advance(1499);
    await flush();
    expect(stuck.result).toBeUndefined();
    expect(calls[0]!.ctx.signal.aborted).toBe(false);

    clock.advance(1);
    await flush();
    expect(stuck.result).toMatchObject({ ok: false, detail: null, durationMs: 1500, error: { code: 'timeout', message: 'tcp probe of 127.0.0.1 exceeded its 1000 ms budget' } });
    expect(calls[0]!.ctx.signal.aborted).toBe(true);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.ctx.timeoutMs).toBe(5000);
  });

  it('runner - a probe that settles after its timeout does not answer twice', async () => {
    const { runner, calls, clock, up } = setup({ hardTimeoutGraceMs: 0 });
    const p = runner.run(tcp('late', { timeoutMs: 100 }));
    clock.advance(100);
    calls[0]!.settle(up);
    expect(await p).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(runner.load).toEqual({ running: 0, queued: 0 });
  });

  it('runner - a probe that throws or rejects becomes an internal error', async () => {
    const throwing: Probe<'tcp'> = { kind: 'tcp', defaultTimeoutMs: 100, minTimeoutMs: 100, run: () => { throw new Error('boom'); } };
    const clock = new FakeClock();
    const runner = new ProbeRunner({ ...PROBES, tcp: throwing }, { clock });
    expect(await runner.run(tcp('t1'))).toMatchObject({ ok: false, error: { code: 'internal', message: 'tcp probe failed: boom' } });

    const { runner: r2, calls } = setup();
    const p = r2.run(tcp('t2'));
    calls[0]!.fail('not an Error');
    expect(await p).toMatchObject({ ok: false, error: { code: 'internal', message: 'tcp probe failed: not an Error' } });
    expect(r2.load.running).toBe(0);
  });

  it('runner - close answers queued and running probes stopped, and refuses new ones', async () => {
    const { runner, calls } = setup({ concurrency: 1 });
    const running = runner.run(tcp('s0'));
    const queued = runner.run(tcp('s1'));
    runner.close();
    expect(await running).toMatchObject({ ok: false, error: { code: 'stopped' } });
    expect(await queued).toMatchObject({ ok: false, error: { code: 'stopped' } });
    expect(calls[0]!.ctx.signal.aborted).toBe(true);
    expect(calls).toHaveLength(1);
    expect(await runner.run(tcp('s2'))).toMatchObject({ error: { code: 'stopped' } });
  });
});

describe('runner - output caps', () => {
  it('runner - whatever a probe returns, text fields leave capped', async () => {
    const chatty: Probe<'ssh'> = {
      kind: 'ssh',
      defaultTimeoutMs: 100,
      minTimeoutMs: 100,
      run: async () => ({
        ok: false,
        detail: { kind: 'ssh', port: 22, banner: `SSH-2.0-${'x'.repeat(5000)}`, connectMs: 1, bannerMs: 1 },
        error: { code: 'no_banner', message: '😀'.repeat(1000) },
      }),
    };
    const runner = new ProbeRunner({ ...PROBES, ssh: chatty }, { clock: new FakeClock() });
    const r = await runner.run({ id: 'cap', kind: 'ssh', target: '127.0.0.1' });
    expect((r.detail as SshDetail).banner).toHaveLength(255);
    expect(r.error!.message.length).toBeLessThanOrEqual(512);
    // No half of a surrogate pair is left at the cut.
    expect(r.error!.message).toMatch(/^(😀)+…$/u);
  });
});
