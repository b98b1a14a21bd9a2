import type { ResponseRule } from '../context.js';
import { rootCauseOf } from './root-cause.js';

/** A log finding is the root cause of the host's open incidents about its service (or the host itself). */
export const logFindingsRule: ResponseRule<'findings'> = {
  name: 'log-findings',
  on: 'findings',
  handle({ hostId, findings }, ctx) {
    for (const f of findings) {
      for (const i of ctx.reads.activeForSubject(hostId)) {
        if (i.service === f.service || i.service === '') ctx.incidents.attachRootCause(i.id, rootCauseOf(f));
      }
    }
  },
};
