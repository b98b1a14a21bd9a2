// Writes docs/config.md from the programs' configuration schemas (zod 4), so the reference
// cannot drift from what the programs accept:
//   - keys, nesting and defaults come from walking the schemas themselves;
//   - each key's meaning is the JSDoc comment written on that key in the schema's source,
//     so it is edited in the same place as the key;
//   - flags come from the programs' own flag tables.
// A key without a comment stops the generator, naming the key.
//
//   pnpm run gen:config-docs           write docs/config.md
//   pnpm run gen:config-docs --check   exit 1 if docs/config.md is stale
//
// It reads the built packages (dist/), so run `pnpm run build` after changing a schema.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const REPO = fileURLToPath(new URL('..', import.meta.url));
export const DOC_FILE = path.join(REPO, 'docs/config.md');
export const REGENERATE = 'pnpm run build && pnpm run gen:config-docs';

const load = (rel) => import(pathToFileURL(path.join(REPO, rel)).href);

/** The programs documented, in order: schema, its source file and variable, and flags. */
async function programs() {
  const agentConfig = await load('packages/agent/dist/config.js');
  const coordinatorConfig = await load('packages/coordinator/dist/config.js');
  const coordinatorCli = await load('packages/coordinator/dist/cli.js');
  const notifyConfig = await load('packages/notify/dist/config.js');
  const coordinatorFlags = new Set(Object.keys(coordinatorCli.OPTIONS));
  return [
    {
      name: 'vigil-agent',
      intro: [
        'Runs on every host. Options come from the command line and from a YAML file given with `--config FILE`;',
        'the command line wins, key by key inside `tls` and `labels` too.',
        '`vigil-agent --check [options]` validates exactly as a start would (TLS files included), prints the',
        'effective configuration as JSON and exits 0, or exits 2 with one line per bad field naming the field and value.',
      ],
      schema: agentConfig.agentConfigSchema,
      source: 'packages/agent/src/config.ts',
      variable: 'agentConfigSchema',
      flag: (key) => (key === 'labels' ? '--label KEY=VALUE' : key === 'tls' ? '--tls-ca, --tls-cert, --tls-key' : agentConfig.FLAG_FOR_FIELD[key]),
      extra: () => [
        '### Labels the coordinator reads',
        '',
        'Any label is free text for filtering (`GET /v1/hosts?label=...`) and routing pages; these names mean more:',
        '',
        '| Label | Meaning |',
        '| --- | --- |',
        ...agentConfig.SPECIAL_LABELS.map((l) => `| \`${l.name}\` | ${cell(l.meaning)} |`),
        '',
      ],
    },
    {
      name: 'vigil-coordinator',
      intro: [
        'Every key can be given in the YAML file named by `--config FILE` (camelCase, as below) and most on the',
        'command line (kebab-case); the command line wins. Durations take a unit: `500ms`, `5s`, `1m`, `2h`, `1d`.',
        '`vigil-coordinator --check [options]` validates exactly as a start would (TLS files included), prints the',
        'effective configuration as JSON with token hashes masked and exits 0, or exits 2 naming the field and value.',
        '',
        'API tokens can also be given without a config file: `--tokens-file FILE` holds one token per line as',
        '`NAME ROLE SHA256` (whitespace-separated; `#` starts a comment; blank lines are ignored), where `SHA256`',
        'is what `vigil-coordinator hash-token < token.txt` prints. It replaces the config file\'s `tokens` list.',
        'Every bad line is reported with its line number, field and value, and the coordinator does not start.',
        '',
        '```',
        '# /etc/vigil/tokens: NAME ROLE SHA256',
        'ops       operator 3a7bd3e2360a3d29eea436fcfb7e44c735d117c42d1c1835420b6b9942dd4f1b',
        'grafana   viewer   1f6c4a1e0b0d5c5f7a9b3e2d8c4f6a0b2d4e6f8a0c2e4a6b8d0f2a4c6e8b0d2f',
        '```',
      ],
      schema: coordinatorConfig.coordinatorConfigSchema,
      source: 'packages/coordinator/src/config.ts',
      variable: 'coordinatorConfigSchema',
      flag: (key) => {
        if (key === 'tls') return '--tls-ca, --tls-cert, --tls-key';
        if (key === 'tokens') return '--tokens-file';
        const kebab = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
        return coordinatorFlags.has(kebab) ? `--${kebab}` : undefined;
      },
    },
    {
      name: 'vigil-notify',
      intro: [
        'Reads only its YAML file: `vigil-notify --config FILE` runs, `vigil-notify --check FILE` validates it and',
        'prints the routes and receivers. Receivers and routes are described in full in [notify.md](notify.md).',
      ],
      schema: notifyConfig.notifyConfigSchema,
      source: 'packages/notify/src/config.ts',
      variable: 'notifyConfigSchema',
      flag: () => undefined,
    },
  ];
}

/** JSDoc comments on the keys of the object schema held by `variable`, by dotted path (`tokens[].name`). */
export function commentsFromSource(file, variable) {
  const sf = ts.createSourceFile(file, readFileSync(path.resolve(REPO, file), 'utf8'), ts.ScriptTarget.Latest, true);
  const decls = new Map();
  sf.forEachChild(function visit(node) {
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) decls.set(node.name.text, node.initializer);
    node.forEachChild(visit);
  });
  const out = new Map();
  // The first `z.object({...})` in an expression, following `z.array(...)` and local constants.
  const objectOf = (expr, seen = new Set()) => {
    let found;
    const visit = (node) => {
      if (found) return;
      if (ts.isCallExpression(node)) {
        const callee = node.expression.getText(sf).replace(/\s+/g, '');
        const arg = node.arguments[0];
        if (callee === 'z.object' && arg && ts.isObjectLiteralExpression(arg)) return void (found = { literal: arg, array: false });
        if (callee === 'z.array' && arg) {
          const inner = objectOf(arg, seen);
          if (inner) return void (found = { literal: inner.literal, array: true });
        }
      }
      if (ts.isIdentifier(node) && decls.has(node.text) && !seen.has(node.text)) {
        seen.add(node.text);
        const inner = objectOf(decls.get(node.text), seen);
        if (inner) return void (found = inner);
      }
      node.forEachChild(visit);
    };
    visit(expr);
    return found;
  };
  // `open` holds the objects being walked, so a recursive schema (notify's routes) ends.
  const walk = (literal, prefix, open = new Set([literal])) => {
    for (const prop of literal.properties) {
      // `hostId,` (shorthand) as well as `hostId: schema,`.
      if (!ts.isPropertyAssignment(prop) && !ts.isShorthandPropertyAssignment(prop)) continue;
      const key = prop.name.getText(sf).replace(/^['"]|['"]$/g, '');
      const keyPath = prefix + key;
      const doc = ts.getJSDocCommentsAndTags(prop).filter(ts.isJSDoc).at(-1);
      if (doc) {
        const text = ts.getTextOfJSDocComment(doc.comment) ?? '';
        const def = doc.tags?.find((t) => t.tagName.text === 'default');
        out.set(keyPath, { text: oneLine(text), default: def ? oneLine(ts.getTextOfJSDocComment(def.comment) ?? '') : undefined });
      }
      const inner = objectOf(ts.isPropertyAssignment(prop) ? prop.initializer : prop.name);
      if (inner && !open.has(inner.literal)) walk(inner.literal, `${keyPath}${inner.array ? '[]' : ''}.`, new Set([...open, inner.literal]));
    }
  };
  const root = decls.get(variable) && objectOf(decls.get(variable));
  if (!root) throw new Error(`${file}: no z.object schema found in ${variable}`);
  walk(root.literal, '');
  return out;
}

const oneLine = (s) => s.replace(/\s+/g, ' ').trim();
const cell = (s) => s.replace(/\|/g, '\\|');

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'nonoptional', 'catch']);

/** The schema under defaults, optionals and pipes: what the value itself is checked as. */
function core(schema) {
  let s = schema;
  for (;;) {
    const def = s._zod.def;
    if (WRAPPERS.has(def.type)) s = def.innerType;
    else if (def.type === 'pipe') s = def.in;
    else return s;
  }
}

/** The default a key gets when absent: `{has: false}` when it has none. */
function defaultOf(schema) {
  let s = schema;
  for (;;) {
    const def = s._zod.def;
    if (def.type === 'default' || def.type === 'prefault') return { has: true, value: def.defaultValue, inner: def.innerType };
    if (!WRAPPERS.has(def.type)) return { has: false, required: true };
    if (def.type === 'optional') return { has: false, required: false };
    s = def.innerType;
  }
}

/** A duration schema turns `Nms` into N; a plain number schema refuses the unit. */
function isDuration(schema, ms) {
  const r = schema.safeParse(`${ms}ms`);
  return r.success && r.data === ms;
}

function humanMs(ms) {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]]) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function formatDefault(d, comment, expanded) {
  if (!d.has) return comment?.default ?? (d.required ? 'required' : 'none');
  const v = d.value;
  if (typeof v === 'number') return `\`${isDuration(d.inner, v) ? humanMs(v) : v}\``;
  // A default computed from the machine (the hostname) must not make the file differ per machine.
  if (typeof v === 'string') return v === os.hostname() ? "this machine's hostname" : `\`${v}\``;
  if (typeof v === 'boolean') return `\`${v}\``;
  if (Array.isArray(v)) return v.length === 0 ? 'none' : v.map((x) => `\`${x}\``).join(', ');
  if (v && typeof v === 'object') return expanded || Object.keys(v).length === 0 ? (expanded ? 'see below' : 'none') : `\`${JSON.stringify(v)}\``;
  return `\`${String(v)}\``;
}

/**
 * A comment's `@default` that says something else than the schema's default, described;
 * undefined when they agree (`60s` agrees with 60000 ms) or there is nothing to compare.
 */
function staleDefault(d, comment) {
  const tag = comment?.default;
  if (!d.has || tag === undefined) return undefined;
  const v = d.value;
  if (typeof v === 'object' || v === os.hostname()) return undefined;
  if (String(v) === tag) return undefined;
  const parsed = d.inner.safeParse(tag);
  if (parsed.success && JSON.stringify(parsed.data) === JSON.stringify(v)) return undefined;
  return `comment: ${tag}, schema: ${v}`;
}

/** One table row per key, nested objects (and lists of objects) expanded where their keys are commented. */
export function rows(program) {
  const comments = commentsFromSource(program.source, program.variable);
  const out = [];
  const missing = [];
  const wrong = [];
  const visit = (schema, prefix) => {
    const shape = core(schema)._zod.def.shape;
    for (const [key, field] of Object.entries(shape)) {
      const keyPath = prefix + key;
      const comment = comments.get(keyPath);
      if (!comment?.text) missing.push(keyPath);
      const stated = staleDefault(defaultOf(field), comment);
      if (stated) wrong.push(`${keyPath} (${stated})`);
      let inner = core(field);
      let childPrefix = `${keyPath}.`;
      if (inner._zod.def.type === 'array') {
        inner = core(inner._zod.def.element);
        childPrefix = `${keyPath}[].`;
      }
      const expand = inner._zod.def.type === 'object' && [...comments.keys()].some((k) => k.startsWith(childPrefix));
      const values = inner._zod.def.type === 'enum' ? ` One of: ${Object.values(inner._zod.def.entries).map((e) => `\`${e}\``).join(', ')}.` : '';
      const flag = prefix === '' ? program.flag(key) : undefined;
      out.push(`| \`${keyPath}\` | ${flag ? flag.split(', ').map((f) => `\`${f}\``).join(', ') : '—'} | ${cell(formatDefault(defaultOf(field), comment, expand))} | ${cell((comment?.text ?? '') + values)} |`);
      if (expand) visit(inner, childPrefix);
    }
  };
  visit(program.schema, '');
  const problems = [
    ...(missing.length > 0 ? [`no JSDoc comment on ${missing.join(', ')}; write what each key means above it`] : []),
    ...(wrong.length > 0 ? [`the comment's @default disagrees with the schema for ${wrong.join(', ')}; correct the comment`] : []),
  ];
  if (problems.length > 0) throw new Error(`${program.source}: ${problems.join('\n  ')}`);
  return out;
}

/** The whole of docs/config.md. */
export async function renderConfigDocs() {
  const lines = [
    '# Configuration reference',
    '',
    `<!-- Generated from the configuration schemas by \`pnpm run gen:config-docs\` (scripts/gen-config-docs.mjs). Do not edit: change the comment on the key in the schema and regenerate. -->`,
    '',
    'Every key each program accepts: its config file key, its command-line flag, its default and what it means.',
    'Each program validates its whole configuration at start; a bad value stops it with exit status 2 and one',
    'line naming the field and the value. Durations take a unit (`500ms`, `5s`, `1.5m`, `2h`, `1d`); a bare',
    'number is refused, except `0`.',
    '',
  ];
  for (const program of await programs()) {
    lines.push(`## ${program.name}`, '', ...program.intro, '', '| Key (config file) | Flag | Default | Meaning |', '| --- | --- | --- | --- |', ...rows(program), '');
    if (program.extra) lines.push(...program.extra());
  }
  return `${lines.join('\n').replace(/\n+$/, '')}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = await renderConfigDocs();
  if (process.argv.includes('--check')) {
    const current = readFileSync(DOC_FILE, 'utf8');
    if (current !== text) {
      process.stderr.write(`docs/config.md is stale: run \`${REGENERATE}\`\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(DOC_FILE, text);
    process.stdout.write(`wrote ${path.relative(REPO, DOC_FILE)}\n`);
  }
}
