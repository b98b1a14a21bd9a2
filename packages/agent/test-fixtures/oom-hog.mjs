// Fixture service: joins the memory cgroup named by CGROUP_PROCS (its cgroup.procs file)
// the way `cgexec` or a wrapper script would, says so, then allocates and touches memory
// until the kernel's OOM killer ends it. It starts allocating on SIGUSR2, or ALLOC_AFTER_MS
// (default: never) after it started.
import { writeFileSync } from 'node:fs';

if (process.env.CGROUP_PROCS) writeFileSync(process.env.CGROUP_PROCS, `${process.pid}\n`);
const hog = () => {
  const held = [];
  for (;;) held.push(Buffer.alloc(1 << 20, 1)); // alloc(…, fill) touches every page: it is charged at once
};
process.on('SIGUSR2', hog);
const after = Number(process.env.ALLOC_AFTER_MS ?? 0);
if (after > 0) setTimeout(hog, after);
console.log(`ready pid ${process.pid}`);
setInterval(() => {}, 1 << 30);
