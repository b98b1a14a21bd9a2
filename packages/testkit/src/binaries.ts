import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The first executable of: the path in `envVar` (when set), the places Debian's package
 * installs it, then `name` on $PATH. Undefined when none is executable; the caller says
 * how to install it.
 */
export function findBinary(name: string, envVar: string, wellKnown: readonly string[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env[envVar], ...wellKnown, ...(env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, name))];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // not here, or not executable: the next one
    }
  }
  return undefined;
}
