// Preloaded into the agent by run.mjs --profile (`node --import`), without touching the
// agent's code: every 5 s it appends one JSON line to $VIGIL_MEM_PROBE_FILE with the
// process's memory split (V8 heap spaces, external, array buffers, and the kernel's
// anonymous vs file-backed resident pages).
import { appendFileSync, readFileSync } from 'node:fs';
import v8 from 'node:v8';

const file = process.env.VIGIL_MEM_PROBE_FILE;
if (file) {
  const kb = (status, key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  const sample = () => {
    const status = readFileSync('/proc/self/status', 'utf8');
    const mu = process.memoryUsage();
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: s.space_size, used: s.space_used_size }]));
    const heap = v8.getHeapStatistics();
    const code = v8.getHeapCodeStatistics();
    appendFileSync(
      file,
      `${JSON.stringify({
        at: Date.now(),
        rss: mu.rss,
        rssAnon: kb(status, 'RssAnon'),
        rssFile: kb(status, 'RssFile'),
        heapTotal: mu.heapTotal,
        heapUsed: mu.heapUsed,
        external: mu.external,
        arrayBuffers: mu.arrayBuffers,
        mallocedMemory: heap.malloced_memory,
        peakMallocedMemory: heap.peak_malloced_memory,
        codeAndMetadata: code.code_and_metadata_size,
        bytecodeAndMetadata: code.bytecode_and_metadata_size,
        spaces,
      })}\n`,
    );
  };
  setInterval(sample, 5000).unref();
  setTimeout(sample, 1000).unref();
}
