// A service that forks children on request, from its main thread or from a worker thread:
// a line "main" or "worker" on stdin spawns `sleep 60` from that thread and prints
// "<thread> <child pid>" on stdout. Used to check how the agent finds a group's members.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Worker } from 'node:worker_threads';

const worker = new Worker(
  `const { parentPort } = require('node:worker_threads');
   const { spawn } = require('node:child_process');
   parentPort.on('message', () => parentPort.postMessage(spawn('sleep', ['60'], { stdio: 'ignore' }).pid));`,
  { eval: true },
);
worker.on('message', (pid) => console.log(`worker ${pid}`));
worker.unref();
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'main') console.log(`main ${spawn('sleep', ['60'], { stdio: 'ignore' }).pid}`);
  else if (line === 'worker') worker.postMessage('fork');
});
console.log('ready');
