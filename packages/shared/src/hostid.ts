/**
 * Host ids are hostnames (RFC 1123): labels of letters, digits and hyphens, 1-63
 * characters each, not starting or ending with a hyphen, joined by dots, at most 253
 * characters. They are compared in lower case, as DNS does.
 */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function hostIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  if (id.length > 253) return `is ${id.length} characters long (at most 253)`;
  const labels = id.toLowerCase().replace(/\.$/, '').split('.');
  for (const label of labels) {
    if (!LABEL.test(label)) return `has an invalid label "${label}" (letters, digits and inner hyphens, 1-63 characters)`;
  }
  return undefined;
}

export function isValidHostId(id: string): boolean {
  return hostIdProblem(id) === undefined;
}

/** Lower-cases and drops a trailing root dot, so `Web-1.Example.com.` and `web-1.example.com` are one host. */
export function normalizeHostId(id: string): string {
  return id.toLowerCase().replace(/\.$/, '');
}
