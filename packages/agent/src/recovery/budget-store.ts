import { z } from 'zod';
import { StateFile } from '../state-file.js';

/** A service's restart budget as kept in the agent's data dir, across agent restarts. */
export const budgetRecordSchema = z.object({
  used: z.number().int().nonnegative(),
  /** When it was written (epoch ms); for people reading the file. */
  updatedAtMs: z.number(),
});
export type BudgetRecord = z.output<typeof budgetRecordSchema>;

export type BudgetStore = Pick<StateFile<BudgetRecord>, 'load' | 'save'>;

export function budgetFile(path: string): BudgetStore {
  return new StateFile(path, budgetRecordSchema);
}
