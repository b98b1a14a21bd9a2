import type { RecoveryStep } from './step.js';

/**
 * step_1_graceful_restart: `systemctl stop`; `sleep 5`; `systemctl start`; `active (running)`;
 * then watch for 30 s. The sleep is read as "wait up to gracefulStopTimeout for the
 * processes to exit", so nothing is waited for when they are already gone (a crash).
 * A failure inside the watch fails the step ("roll back": record it, go to step 2).
 */
export const gracefulRestart: RecoveryStep = {
  name: 'step_1_graceful_restart',
  async run(ctx) {
    const stopped = await ctx.manager.stop(ctx.settings.gracefulStopTimeout);
    const stopNote = stopped.waitedMs === 0 ? 'nothing left to stop' : `stopped in ${stopped.waitedMs} ms${stopped.forced ? ' (killed after the grace period)' : ''}${stopped.exited ? '' : ', processes still present'}`;
    const mark = ctx.markStart();
    await ctx.manager.start();
    const up = await ctx.verifyRunning(mark);
    if (!up.ok) return { ok: false, detail: `${stopNote}; ${up.detail}` };
    const watched = await ctx.watch(ctx.settings.watchAfterRestart);
    if (!watched.ok) return { ok: false, detail: `${stopNote}; started, then ${watched.detail}` };
    return { ok: true, detail: `${stopNote}; ${up.detail}; ${watched.detail}`, ...(up.servingAt !== undefined ? { servingAt: up.servingAt } : {}) };
  },
};
