#!/usr/bin/env node
// The cost of one scan of /proc the way the process manager lists a service's process
// group (packages/agent/src/services/procfs-read.ts listProcessGroup: readdir /proc, then
// fs.promises.readFile of every /proc/<pid>/stat): CPU of all threads, and the garbage
// it leaves (V8 heap and array buffers), per scan, on this machine's process count.
//
//   node --expose-gc bench/agent-footprint/proc-scan-cost.mjs [scans=50]
import { readdir, readFile } from 'node:fs/promises';

const scans = Number(process.argv[2] ?? 50);
async function scan() {
  const entries = (await readdir('/proc')).filter((e) => /^\d+$/.test(e));
  await Promise.all(entries.map((e) => readFile(`/proc/${e}/stat`, 'utf8').catch(() => undefined)));
  return entries.length;
}

await scan();
globalThis.gc?.();
const m0 = process.memoryUsage();
const r0 = process.resourceUsage();
const t0 = performance.now();
let processes = 0;
for (let i = 0; i < scans; i++) processes = await scan();
const wall = (performance.now() - t0) / scans;
const r1 = process.resourceUsage();
const m1 = process.memoryUsage();
const cpuMs = (r1.userCPUTime + r1.systemCPUTime - (r0.userCPUTime + r0.systemCPUTime)) / 1000 / scans;
console.log(`processes: ${processes}`);
console.log(`per scan: ${cpuMs.toFixed(2)} ms CPU (${((cpuMs / processes) * 1000).toFixed(0)} µs per process), ${wall.toFixed(1)} ms wall`);
console.log(`garbage per scan: ${((m1.arrayBuffers - m0.arrayBuffers) / scans / 1e3).toFixed(0)} kB array buffers, ${((m1.heapUsed - m0.heapUsed) / scans / 1e3).toFixed(0)} kB V8 heap`);
console.log(`an agent polling S process services every I seconds scans S/I times a second: 5 services at 5 s cost ${(cpuMs / 10).toFixed(2)} % of one core`);
