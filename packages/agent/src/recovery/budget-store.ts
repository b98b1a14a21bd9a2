import { z } from 'zod';
import { StateFile } from '../state-file.js';

/**
 * A hold on a service the agent must not restart because another process holds its port
 * (restarting would fail the same way and spend the budget). Kept with the budget so a
 * restarted agent holds too instead of spending one more recovery to find it out again.
 */
export const holdRecordSchema = z.object({
  kind: z.literal('address_in_use'),
  /** The port another process held. */
  port: z.number().int().min(1).max(65535),
  /** Who held the port when the hold began, as reported then. */
  detail: z.string(),
  /** When the hold began (epoch ms). */
  sinceMs: z.number(),
});
export type HoldRecord = z.output<typeof holdRecordSchema>;

/** A service's restart budget as kept in the agent's data dir, across agent restarts. */
export const budgetRecordSchema = z.object({
  used: z.number().int().nonnegative(),
  /** Absent when the agent may act on the service (files of older agents have none). */
  hold: holdRecordSchema.optional(),
  /** When it was written (epoch ms); for people reading the file. */
  updatedAtMs: z.number(),
});
export type BudgetRecord = z.output<typeof budgetRecordSchema>;

export type BudgetStore = Pick<StateFile<BudgetRecord>, 'load' | 'save'>;

export function budgetFile(path: string): BudgetStore {
  return new StateFile(path, budgetRecordSchema);
}
