#!/usr/bin/env node
// Fleet simulator: N agents speaking the real AgentService contract to one coordinator,
// K of them killed during the measurement. Prints a table for people and, last, one JSON
// line with every figure. See README.md.
import { writeFileSync } from 'node:fs';
import { HELP, OptionError, parseOptions } from './options.mjs';
import { runFleet } from './run-fleet.mjs';
import { formatRun } from './report.mjs';

let opts;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`fleet: ${err.message}\n`);
  process.exit(err instanceof OptionError || err.code?.startsWith('ERR_PARSE_ARGS') ? 2 : 1);
}
if (!opts) {
  process.stdout.write(HELP);
  process.exit(0);
}

let result;
try {
  result = await runFleet(opts);
} catch (err) {
  process.stderr.write(`fleet: ${err.message}\n`);
  process.exit(1);
}
process.stdout.write(`${formatRun(result)}\n`);
process.stdout.write(`${JSON.stringify(result)}\n`);
if (opts.jsonOut) writeFileSync(opts.jsonOut, `${JSON.stringify(result, null, 2)}\n`);
