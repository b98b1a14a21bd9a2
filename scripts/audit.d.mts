// Types of scripts/audit.mjs for the tests that import it.
export interface Advisory {
  package: string;
  id: string;
  affected: string;
  summary: string;
}
export interface Affected extends Advisory {
  version: string;
}
export function parseLockPackages(text: string): [name: string, version: string][];
export function inRange(version: string, range: string): boolean;
export function findAffected(locked: readonly [string, string][], advisories: readonly Advisory[]): Affected[];
