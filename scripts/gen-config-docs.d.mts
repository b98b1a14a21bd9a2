// Types of scripts/gen-config-docs.mjs for the tests that import it.
export const DOC_FILE: string;
export const REGENERATE: string;
export interface DocumentedProgram {
  name: string;
  intro: string[];
  schema: unknown;
  source: string;
  variable: string;
  flag: (key: string) => string | undefined;
}
export function commentsFromSource(file: string, variable: string): Map<string, { text: string; default: string | undefined }>;
export function rows(program: DocumentedProgram): string[];
export function renderConfigDocs(): Promise<string>;
