import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '@vigil/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { advance, FakeCheck, FakeManager } from '../../test-fixtures/fakes.js';
import type { ServiceManager } from '../services/manager.js';
import { parseServices } from '../services/schema.js';
import { budgetFile, type BudgetRecord } from './budget-store.js';
import type { RecoveryEvent, RecoveryEventType } from './events.js';
import { ServiceWatcher } from './watcher.js';

const SEC = 1_000;

const watchers: ServiceWatcher[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const w of watchers.splice(0)) await w.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Another program listens on 8080: every start of the service fails to bind it. */
function portTaken(m: FakeManager, clock: FakeClock): () => void {
  return () => {
    m.logs.push({ at: clock.now(), stream: 'stderr', text: 'Error: listen EADDRINUSE: address already in use 127.0.0.1:8080' });
    m.crash('exited with code 1');
  };
}

/**
 * One agent's watcher of a process service on 8080, with the budget file in `dataDir`
 * and pid 4242 (python3) holding 8080. `down` starts it with the service not running, as a
 * restarted agent finds a service its predecessor could not start.
 */
async function agentRun(dataDir: string, opts: { down?: boolean; portFree?: boolean; bindsLate?: boolean; adopts?: boolean } = {}) {
  const clock = new FakeClock();
  const [service] = parseServices([{ name: 'svc', manager: 'process', command: ['svc'], checks: [{ type: 'http', url: 'http://127.0.0.1:8080/health' }] }], { defaultIntervalMs: 5 * SEC });
  const manager = new FakeManager(clock, 'process');
  manager.onStart = opts.portFree ? () => manager.up() : portTaken(manager, clock);
  // A program that runs a while before it binds (and fails to): its check meanwhile
  // reaches the other program on the port and passes.
  if (opts.bindsLate) manager.onStart = () => (manager.up(), clock.setTimeout(portTaken(manager, clock), 2 * SEC));
  if (opts.down) {
    manager.state = 'failed';
    manager.pidList = [];
    manager.detail = 'exited with code 1';
  }
  if (opts.adopts) {
    // A copy of the service left running by an agent before (it has the port, not 4242).
    (manager as ServiceManager).adopt = async () => ({ adopted: true, pid: 100, pgid: 100, since: clock.now(), detail: 'adopted pid 100' });
  }
  const check = new FakeCheck('http http://127.0.0.1:8080/health');
  const file = join(dataDir, 'services', 'svc.budget.json');
  const watcher = new ServiceWatcher({
    service: service!,
    manager,
    clock,
    intervalMs: 5 * SEC,
    checkFactory: () => check,
    budgetStore: budgetFile(file),
    portHolders: (port) => (port === 8080 && !opts.portFree ? [{ pid: 4242, command: 'python3' }] : []),
  });
  watchers.push(watcher);
  const events: RecoveryEvent[] = [];
  watcher.onEvent((e) => events.push(e));
  await watcher.start();
  const types = (only: RecoveryEventType[]) => events.map((e) => e.type).filter((t) => only.includes(t));
  const saved = () => JSON.parse(readFileSync(file, 'utf8')) as BudgetRecord;
  return { clock, manager, watcher, events, types, saved };
}

const RECOVERY: RecoveryEventType[] = ['recovery_started', 'recovery_failed', 'recovery_exhausted', 'budget_reset'];

describe('ServiceWatcher - a port hold across agent restarts (fake clock, budget file in a temp data dir)', () => {
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'vigil-hold-'));
    dirs.push(d);
    return d;
  };

  it('hold - saved beside the budget; the next agent holds at once, spends no recovery, and says so once', async () => {
    const dir = dataDir();
    const first = await agentRun(dir);
    first.manager.crash();
    await advance(first.clock, 20 * SEC);
    expect(first.types(RECOVERY)).toEqual(['recovery_started', 'recovery_failed', 'recovery_exhausted']);
    expect(first.watcher.phase).toBe('budget_spent');
    const held = first.saved();
    expect(held).toMatchObject({ used: 1, hold: { kind: 'address_in_use', detail: expect.stringContaining('port 8080 is held by pid 4242 (python3)') } });
    await first.watcher.stop();

    // The agent restarts; the other program still has the port.
    const second = await agentRun(dir, { down: true });
    await advance(second.clock, 30 * SEC);
    expect(second.types(RECOVERY)).toEqual(['recovery_exhausted']);
    expect(second.events.find((e) => e.type === 'recovery_exhausted')!.detail).toMatch(/^still not restarting svc \(held since .*, before the agent restarted\): address already in use: port 8080 is held by pid 4242/);
    // Only the agent's own start of its service at start-up; no recovery step ran.
    expect(second.manager.actions()).toEqual(['start']);
    expect(second.watcher.snapshot()).toMatchObject({ phase: 'budget_spent', budget: { used: 1, exhausted: false } });
    expect(second.watcher.requestRecovery('from a peer')).toMatchObject({ accepted: false, reason: 'address_in_use' });
    expect(second.saved()).toMatchObject({ used: 1, hold: { kind: 'address_in_use', sinceMs: held.hold!.sinceMs } });
  });

  it('hold - not lifted while another process still listens on the port, though the check passes against it', async () => {
    const dir = dataDir();
    const first = await agentRun(dir);
    first.manager.crash();
    await advance(first.clock, 20 * SEC);
    await first.watcher.stop();

    const second = await agentRun(dir, { down: true, bindsLate: true });
    expect(second.watcher.snapshot()).toMatchObject({ state: 'running', phase: 'budget_spent' });
    expect(second.saved().hold).toBeDefined();
    await advance(second.clock, 20 * SEC);
    expect(second.types(RECOVERY)).toEqual(['recovery_exhausted']);
    expect(second.watcher.phase).toBe('budget_spent');
    expect(second.saved()).toMatchObject({ used: 1, hold: { kind: 'address_in_use', port: 8080 } });
  });

  it('hold - lifted, in the file too, when the next agent finds the port free and the service healthy', async () => {
    const dir = dataDir();
    const first = await agentRun(dir);
    first.manager.crash();
    await advance(first.clock, 20 * SEC);
    expect(first.saved().hold).toBeDefined();
    await first.watcher.stop();

    const second = await agentRun(dir, { down: true, portFree: true });
    await advance(second.clock, 10 * SEC);
    expect(second.types(RECOVERY)).toEqual([]);
    expect(second.watcher.phase).toBe('watching');
    expect(second.saved()).toMatchObject({ used: 1 });
    expect(second.saved().hold).toBeUndefined();
    // Acting again on its own: a crash now is recovered.
    second.manager.crash();
    await advance(second.clock, 40 * SEC);
    expect(second.types(['recovery_started', 'recovery_succeeded'])).toEqual(['recovery_started', 'recovery_succeeded']);
  });

  it('hold - not taken up when the next agent adopts a live copy of the service, and cleared from the file', async () => {
    const dir = dataDir();
    const first = await agentRun(dir);
    first.manager.crash();
    await advance(first.clock, 20 * SEC);
    await first.watcher.stop();
    expect(first.saved().hold).toBeDefined();

    const second = await agentRun(dir, { adopts: true, portFree: true });
    expect(second.watcher.phase).toBe('adopted');
    expect(second.saved()).toMatchObject({ used: 1 });
    expect(second.saved().hold).toBeUndefined();
  });

  it("hold - an operator's budget reset lifts the saved hold", async () => {
    const dir = dataDir();
    const first = await agentRun(dir);
    first.manager.crash();
    await advance(first.clock, 20 * SEC);
    await first.watcher.stop();

    const second = await agentRun(dir, { down: true });
    await advance(second.clock, 10 * SEC);
    expect(second.saved().hold).toBeDefined();
    expect(second.watcher.resetBudget('port freed', 'req-1')).toEqual({ accepted: true, used: 1 });
    expect(second.saved()).toMatchObject({ used: 0 });
    expect(second.saved().hold).toBeUndefined();
  });

  it("hold - an operator's restart lifts the saved hold; failing on the port again holds (and saves) again", async () => {
    const dir = dataDir();
    const first = await agentRun(dir);
    first.manager.crash();
    await advance(first.clock, 20 * SEC);
    const restart = first.watcher.requestRestart('by alice', 'req-2');
    if (!restart.accepted) throw new Error(restart.message);
    expect(first.saved().hold).toBeUndefined();
    await advance(first.clock, 20 * SEC);
    expect(await restart.outcome).toMatchObject({ ok: false, blocked: expect.stringContaining('pid 4242') });
    expect(first.watcher.phase).toBe('budget_spent');
    expect(first.saved()).toMatchObject({ used: 1, hold: { kind: 'address_in_use' } });
  });
});
