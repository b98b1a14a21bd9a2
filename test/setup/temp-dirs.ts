import { afterAll } from 'vitest';
import { removeTempDirs } from '@vigil/testkit/temp-dir';

// Every test file's temp dirs (tempDir(), and the nats-server and Alertmanager dirs made
// through it) go when the file ends. The test kit's own last resort, on process exit, never
// runs here: vitest ends its forked workers without exit handlers. Registered before the
// file's hooks, so it runs after them (after-hooks run in reverse order), once servers stopped.
afterAll(removeTempDirs);
