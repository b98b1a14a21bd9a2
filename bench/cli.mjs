// What every bench script's command line shares: options parsed once at the edge, and a
// bad option or value is one line naming the option and the value, exit 2.
import { parseArgs } from 'node:util';
import { parseDuration } from '@vigil/shared';

/** Prints `name: message` on stderr and exits 2. */
export function fail(name, message) {
  process.stderr.write(`${name}: ${message}\n`);
  process.exit(2);
}

/**
 * The options of `argv` by node:util's parseArgs (strict; `-h`/`--help` added): an unknown
 * option or a missing value fails naming it; `--help` prints `help` and exits 0.
 */
export function parseBenchArgs(name, help, options, argv = process.argv.slice(2)) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h', default: false } }, strict: true }));
  } catch (err) {
    fail(name, `${err.message} (--help lists the options)`);
  }
  if (values.help) {
    process.stdout.write(help.endsWith('\n') ? help : `${help}\n`);
    process.exit(0);
  }
  return values;
}

/** A whole number >= `min` from `--flag`'s text, or a failure naming both. */
export function wholeNumber(name, flag, text, min = 1) {
  if (!/^\d+$/.test(String(text)) || Number(text) < min) fail(name, `--${flag} "${text}": give a whole number >= ${min}`);
  return Number(text);
}

/** A comma-separated list of whole numbers >= `min`. */
export function wholeNumbers(name, flag, text, min = 1) {
  return String(text).split(',').map((t) => wholeNumber(name, flag, t.trim(), min));
}

/** A duration (`500ms`, `10s`, `1m`: the product's own parser) from `--flag`'s text, in ms. */
export function durationOf(name, flag, text) {
  try {
    return parseDuration(String(text));
  } catch (err) {
    return fail(name, `--${flag}: ${err.message}`);
  }
}
