/** What `--check` prints in place of a secret: the value is present, its text is not. */
export const MASKED = '(masked)';

/**
 * The effective configuration as `--check` prints it: pretty JSON, so it can be read and
 * also fed to `jq`. Keys named in `secretKeys` are replaced by MASKED wherever they occur,
 * so a copy pasted into a ticket never carries a secret (token hashes included: a hash
 * still lets anyone holding it confirm a guessed token). RegExps print as their source.
 */
export function effectiveConfigJson(config: unknown, secretKeys: readonly string[]): string {
  const secrets = new Set(secretKeys);
  return `${JSON.stringify(
    config,
    (key, value: unknown) => {
      if (secrets.has(key) && value !== undefined && value !== null) return MASKED;
      if (value instanceof RegExp) return value.source;
      if (value instanceof Set) return [...(value as Set<unknown>)];
      if (value instanceof Map) return Object.fromEntries(value as Map<string, unknown>);
      return value;
    },
    2,
  )}\n`;
}
