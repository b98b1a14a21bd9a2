import { readFileSync } from 'node:fs';
import { ConfigError, quoteText } from '@vigil/shared';
import { apiToken, MAX_TOKENS } from './config.js';

export interface TokenEntry {
  readonly name: string;
  readonly role: 'viewer' | 'operator';
  readonly sha256: string;
}

/**
 * Reads `--tokens-file`: API tokens without a YAML config, one per line as
 * `NAME ROLE SHA256` (whitespace-separated), `#` comments and blank lines ignored. A plain
 * line format so that `echo "ops operator $(vigil-coordinator hash-token < t)" >> tokens`
 * is the whole workflow, and a config-management tool can template it line by line.
 * Every bad line is reported with its number, field and value; nothing is half-read.
 */
export function readTokensFile(file: string, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): TokenEntry[] {
  let text: string;
  try {
    text = read(file);
  } catch (err) {
    throw new ConfigError([`tokens (--tokens-file): cannot read "${file}": ${(err as Error).message}`]);
  }
  return parseTokensFile(text, file);
}

export function parseTokensFile(text: string, file: string): TokenEntry[] {
  const tokens: TokenEntry[] = [];
  const problems: string[] = [];
  const names = new Map<string, number>();
  const at = (n: number) => `tokens (--tokens-file "${file}" line ${n})`;
  text.split(/\r?\n/).forEach((raw, i) => {
    const n = i + 1;
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const words = line.split(/\s+/);
    if (words.length !== 3) {
      problems.push(`${at(n)}: expected "NAME ROLE SHA256", got ${words.length} word${words.length === 1 ? '' : 's'}: ${quoteText(line, 60)}`);
      return;
    }
    const [name, role, sha256] = words as [string, string, string];
    const parsed = apiToken.safeParse({ name, role, sha256 });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? '');
        const value = { name, role, sha256 }[field as 'name'] ?? line;
        problems.push(`${at(n)}: ${field}: ${issue.message} (got ${quoteText(value, 70)})`);
      }
      return;
    }
    const seen = names.get(name);
    if (seen !== undefined) {
      problems.push(`${at(n)}: name ${quoteText(name)} is already used on line ${seen}; each token needs its own name`);
      return;
    }
    names.set(name, n);
    tokens.push(parsed.data);
  });
  if (tokens.length > MAX_TOKENS) problems.push(`tokens (--tokens-file "${file}"): at most ${MAX_TOKENS} tokens (got ${tokens.length})`);
  if (problems.length > 0) throw new ConfigError(problems);
  return tokens;
}
