import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isGone } from './procfs.js';
import { readProcStat } from './procfs-read.js';

/**
 * Every process service the agent starts carries `VIGIL_SERVICE_INSTANCE=<tag>#<hash of its
 * command>` in its environment. The process record (process-record.ts) is written just
 * after the start; an agent killed in between leaves a running service that no record
 * names, and the next agent would start a second copy that finds the port taken and holds
 * the service as failed while the first copy serves. The marker lets it find that copy.
 */
export const INSTANCE_ENV = 'VIGIL_SERVICE_INSTANCE';

export function instanceMarker(tag: string, command: readonly string[]): string {
  return `${tag}#${createHash('sha256').update(JSON.stringify(command)).digest('hex').slice(0, 16)}`;
}

export interface MarkedProcess {
  pid: number;
  starttime: number;
  /** Whether it runs the command given to `findMarked` (same marker hash). */
  sameCommand: boolean;
  command: string[];
}

/**
 * Live process-group leaders whose environment carries this tag's marker, newest first.
 * Only leaders: the service is started in its own group, and its own children inherit
 * the variable without being the service.
 */
export async function findMarked(tag: string, command: readonly string[], procRoot: string): Promise<MarkedProcess[]> {
  const want = instanceMarker(tag, command);
  const prefix = `${INSTANCE_ENV}=${tag}#`;
  let entries: string[];
  try {
    entries = await readdir(procRoot);
  } catch {
    return [];
  }
  const found: MarkedProcess[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    let environ: string;
    try {
      environ = await readFile(join(procRoot, e, 'environ'), 'latin1');
    } catch {
      continue; // gone, or not ours to read
    }
    const marker = environ.split('\0').find((v) => v.startsWith(prefix));
    if (!marker) continue;
    const stat = await readProcStat(pid, procRoot).catch(() => undefined);
    if (!stat || isGone(stat) || stat.pgrp !== pid) continue;
    const cmdline = await readFile(join(procRoot, e, 'cmdline'), 'utf8').catch(() => '');
    found.push({ pid, starttime: stat.starttime, sameCommand: marker === `${INSTANCE_ENV}=${want}`, command: cmdline.split('\0').filter((s) => s !== '') });
  }
  return found.sort((a, b) => b.starttime - a.starttime);
}
