import { describe, expect, it } from 'vitest';
import { fixture } from '../../test-fixtures/helpers.js';
import { describeMainExit, parseShowOutput, toUnitProperties, unitStatus } from './systemd-show.js';

/** A reading taken 10 s after the fixture's state changes, so `since` is easy to check. */
const at = (monoUs: number) => ({ nowMs: 1_732_606_900_000, monotonicNowUs: monoUs + 10_000_000 });

describe('systemctl show parser', () => {
  it('parseShowOutput - keeps everything after the first = (ExecStart lines hold more)', () => {
    const props = parseShowOutput(fixture('systemctl-show-full-active.txt'));
    expect(props.get('ExecStart')).toMatch(/^\{ path=\/usr\/sbin\/nginx ; argv\[\]=/);
    expect(props.get('Environment')).toBe('LANG=C.UTF-8 NGINX_OPTS=-q');
    expect(props.get('UID')).toBe('[not set]');
  });

  it('unitStatus - a full dump of an active unit is running since it became active', () => {
    const p = toUnitProperties(parseShowOutput(fixture('systemctl-show-full-active.txt')));
    expect(p).toMatchObject({ id: 'nginx.service', mainPid: 812, controlGroup: '/system.slice/nginx.service', nRestarts: 2 });
    expect(unitStatus(p, at(8_214_770))).toEqual({ state: 'running', detail: 'active (running)', since: 1_732_606_890_000 });
  });

  it('unitStatus - the property subset the manager asks for parses the same', () => {
    const p = toUnitProperties(parseShowOutput(fixture('systemctl-show-active.txt')));
    expect(unitStatus(p, at(8_214_770))).toEqual({ state: 'running', detail: 'active (running)', since: 1_732_606_890_000 });
  });

  it('unitStatus - inactive (dead) after a clean stop', () => {
    const p = toUnitProperties(parseShowOutput(fixture('systemctl-show-inactive.txt')));
    expect(p.mainPid).toBe(0);
    expect(unitStatus(p, at(5_402_118_832))).toEqual({ state: 'inactive', detail: 'inactive (dead), main process exited with status 0', since: 1_732_606_890_000 });
  });

  it('unitStatus - failed with the exit status and result', () => {
    const p = toUnitProperties(parseShowOutput(fixture('systemctl-show-failed.txt')));
    const s = unitStatus(p, at(6_120_553_908));
    expect(s.state).toBe('failed');
    expect(s.detail).toBe('failed (failed), result exit-code, main process exited with status 1');
  });

  it('unitStatus - activating (auto-restart) after SIGKILL counts as failed', () => {
    const p = toUnitProperties(parseShowOutput(fixture('systemctl-show-auto-restart.txt')));
    const s = unitStatus(p, at(6_188_020_117));
    expect(s.state).toBe('failed');
    expect(s.detail).toContain('killed by signal 9 (SIGKILL)');
    expect(s.detail).toContain('auto-restart');
  });

  it("unitStatus - a unit OOM-killed (Result=oom-kill, SIGKILL) says so in its detail and in `ended`", () => {
    const p = toUnitProperties(parseShowOutput(fixture('systemctl-show-oom-kill.txt')));
    const s = unitStatus(p, at(7_120_553_908));
    expect(s).toMatchObject({ state: 'failed', ended: { signal: 'SIGKILL', result: 'oom-kill', pid: 6824 } });
    expect(s.detail).toBe('failed (failed), result oom-kill, main process killed by signal 9 (SIGKILL)');
    // An auto-restart after a plain SIGKILL: the signal, systemd's result `signal`.
    expect(unitStatus(toUnitProperties(parseShowOutput(fixture('systemctl-show-auto-restart.txt'))), at(0)).ended).toEqual({ signal: 'SIGKILL', result: 'signal', pid: 20988 });
    // Running again: the last run's end is not news about this one.
    const running = fixture('systemctl-show-oom-kill.txt').replace('ActiveState=failed', 'ActiveState=active').replace('SubState=failed', 'SubState=running');
    expect(unitStatus(toUnitProperties(parseShowOutput(running)), at(0)).ended).toBeUndefined();
  });

  it('unitStatus - a unit that does not exist is failed, with no since', () => {
    const s = unitStatus(toUnitProperties(parseShowOutput(fixture('systemctl-show-not-found.txt'))), at(0));
    expect(s).toEqual({ state: 'failed', detail: 'unit nosuch.service not found' });
  });

  it('unitStatus - activating (start) is starting', () => {
    const text = fixture('systemctl-show-active.txt').replace('ActiveState=active', 'ActiveState=activating').replace('SubState=running', 'SubState=start');
    expect(unitStatus(toUnitProperties(parseShowOutput(text)), at(8_214_770)).state).toBe('starting');
  });

  it('describeMainExit - names dumped cores', () => {
    expect(describeMainExit({ execMainCode: 3, execMainStatus: 11 })).toBe('main process dumped core on signal 11 (SIGSEGV)');
    expect(describeMainExit({ execMainCode: 0, execMainStatus: 0 })).toBeUndefined();
  });
});

// Counterexample found by test/fuzz/proc-text.fuzz.test.ts: Number() took any numeric text.
describe('systemctl show parser - damaged numbers', () => {
  it('a number that is not a whole one reads as 0 (none), never as a fractional pid', () => {
    const p = toUnitProperties(parseShowOutput('MainPID=1.5\nExecMainPID=0x10\nNRestarts=1e400\nExecMainStatus=-9\n'));
    expect(p.mainPid).toBe(0);
    expect(p.execMainPid).toBe(0);
    expect(p.nRestarts).toBe(0);
    expect(p.execMainStatus).toBe(-9);
  });
});
