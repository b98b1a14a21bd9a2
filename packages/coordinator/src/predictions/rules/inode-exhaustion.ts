import { FILESYSTEM_EXHAUSTION_DEFAULTS } from './disk-exhaustion.js';
import { exhaustionRule } from './exhaustion.js';

/**
 * Time until a filesystem runs out of inodes: many small files (sessions, caches, mail
 * spools) fill the inode table while bytes are plentiful, with the same "No space left on
 * device" as a full disk.
 */
export const inodeExhaustion = exhaustionRule({
  name: 'inode_exhaustion',
  metric: 'inode_percent',
  noun: 'inode use',
  prediction: 'filesystem out of inodes within 24 hours; the service will stop with "No space left on device"',
  preventiveAction: 'Remove the small files that fill the filesystem (caches, sessions, spools) or extend it.',
  defaults: FILESYSTEM_EXHAUSTION_DEFAULTS,
});
