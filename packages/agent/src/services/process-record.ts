import { z } from 'zod';
import { StateFile } from '../state-file.js';
import { isGone } from './procfs.js';
import { readProcStat } from './procfs-read.js';

/**
 * What the agent writes down about each process service it starts, so that an agent that
 * crashed or was restarted can find the service it left running instead of starting a
 * second copy that fights it for its port. The start time (/proc/<pid>/stat field 22,
 * clock ticks since boot) tells the same process from a later one given the same PID.
 */
export const processRecordSchema = z.object({
  pgid: z.number().int().positive(),
  pid: z.number().int().positive(),
  starttime: z.number().int().nonnegative(),
  command: z.array(z.string()),
  /** When the agent started it (epoch ms). */
  startedAtMs: z.number(),
});
export type ProcessRecord = z.output<typeof processRecordSchema>;

/** Where a service's record lives; the data dir's file by default. */
export type ProcessRecordStore = Pick<StateFile<ProcessRecord>, 'load' | 'save' | 'clear'>;

export function processRecordFile(path: string): ProcessRecordStore {
  return new StateFile(path, processRecordSchema);
}

/** Whether the recorded process is still the one the record names. */
export type RecordCheck = { alive: true } | { alive: false; why: string };

/**
 * The record's process is alive when its PID exists, is not a zombie, has the recorded
 * start time (else the PID was reused) and still leads the recorded group.
 */
export async function checkRecord(r: ProcessRecord, procRoot: string): Promise<RecordCheck> {
  const stat = await readProcStat(r.pid, procRoot).catch(() => undefined);
  if (!stat || isGone(stat)) return { alive: false, why: `pid ${r.pid} is gone` };
  if (stat.starttime !== r.starttime) return { alive: false, why: `pid ${r.pid} now belongs to another process (start time ${stat.starttime}, recorded ${r.starttime})` };
  if (stat.pgrp !== r.pgid) return { alive: false, why: `pid ${r.pid} left process group ${r.pgid}` };
  return { alive: true };
}
