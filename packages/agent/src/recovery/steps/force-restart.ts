import type { RecoveryStep } from './step.js';

/**
 * step_2_force_restart: `pkill -9 {process}`; `systemctl reset-failed`; `systemctl start`;
 * success = the process is running. The kill reaches only the service's own processes
 * (its process group, or its MainPID and cgroup), never a name match.
 */
export const forceRestart: RecoveryStep = {
  name: 'step_2_force_restart',
  async run(ctx) {
    await ctx.manager.forceKill();
    await ctx.manager.resetFailed();
    const mark = ctx.markStart();
    await ctx.manager.start();
    const up = await ctx.verifyRunning(mark);
    return up.ok ? { ...up, detail: `killed, reset, ${up.detail}` } : { ok: false, detail: `killed, reset, started, but ${up.detail}` };
  },
};
