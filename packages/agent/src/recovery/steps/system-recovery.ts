import type { RecoveryStep } from './step.js';

/**
 * step_3_system_recovery: `systemctl daemon-reload`; `systemctl restart`;
 * `journalctl -u {svc} --since '5 minutes ago'`; success = no error logs (and the service
 * running). The lookback is taken as written, so errors logged shortly before the restart
 * also fail the step: they are the root cause an operator needs to see.
 */
export const systemRecovery: RecoveryStep = {
  name: 'step_3_system_recovery',
  async run(ctx) {
    await ctx.manager.daemonReload();
    const mark = ctx.markStart();
    await ctx.manager.restart();
    const up = await ctx.verifyRunning(mark);
    const since = ctx.clock.now() - ctx.settings.logLookback;
    const lines = await ctx.readLogs(since);
    if (ctx.hasErrorPattern(lines)) {
      // Asking line by line finds the first culprit with any matcher that was plugged in.
      const culprit = lines.find((l) => ctx.hasErrorPattern([l])) ?? '(a pattern spanning lines)';
      return { ok: false, detail: `error pattern in the last ${ctx.settings.logLookback} ms of logs: ${culprit}${up.ok ? '' : `; ${up.detail}`}` };
    }
    if (!up.ok) return { ok: false, detail: `no error pattern in ${lines.length} log lines, but ${up.detail}` };
    return { ...up, detail: `${up.detail}; no error pattern in ${lines.length} log lines` };
  },
};
