import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { findAffected, inRange, parseLockPackages } from '../../scripts/audit.mjs';

const LOCK = `lockfileVersion: '9.0'

importers:

  .:
    devDependencies:
      fastify:
        specifier: 5.3.0
        version: 5.3.0

packages:

  '@grpc/grpc-js@1.10.3':
    resolution: {integrity: sha512-x}

  fastify@5.3.0:
    resolution: {integrity: sha512-y}

  vite@8.3.8(@types/node@20.19.43):
    resolution: {integrity: sha512-z}

snapshots:

  fastify@5.12.8: {}
`;

describe('dependency audit', () => {
  it('audit - reads name and version of every locked package, scoped or not, and only from packages:', () => {
    expect(parseLockPackages(LOCK)).toEqual([
      ['@grpc/grpc-js', '1.10.3'],
      ['fastify', '5.3.0'],
      ['vite', '8.3.8'],
    ]);
  });

  it('audit - ranges: bounds are inclusive or exclusive as written', () => {
    expect(inRange('5.3.1', '>=5.0.0 <5.3.2')).toBe(true);
    expect(inRange('5.3.2', '>=5.0.0 <5.3.2')).toBe(false);
    expect(inRange('4.9.9', '>=5.0.0 <5.3.2')).toBe(false);
    expect(inRange('0.24.2', '<0.25.0')).toBe(true);
    expect(inRange('5.12.8', '>=5.3.2 <5.8.5')).toBe(false);
    expect(() => inRange('1.0.0', '~1.0')).toThrow(/cannot read "~1.0"/);
  });

  it('audit - a locked version inside an advisory range is reported with the advisory', () => {
    const found = findAffected(parseLockPackages(LOCK), [
      { package: 'fastify', id: 'CVE-2025-32442', affected: '>=5.0.0 <5.3.2', summary: 's' },
      { package: '@grpc/grpc-js', id: 'CVE-2024-37168', affected: '>=1.10.0 <1.10.9', summary: 's' },
      { package: 'vite', id: 'X', affected: '<8.0.0', summary: 's' },
    ]);
    expect(found.map((f) => `${f.package}@${f.version} ${f.id}`)).toEqual(['@grpc/grpc-js@1.10.3 CVE-2024-37168', 'fastify@5.3.0 CVE-2025-32442']);
  });

  it('audit - the repository lockfile is affected by none of the reviewed advisories', () => {
    const list = JSON.parse(readFileSync(new URL('../../scripts/advisories.json', import.meta.url), 'utf8')) as { advisories: { package: string; id: string; affected: string; summary: string }[] };
    const locked = parseLockPackages(readFileSync(new URL('../../pnpm-lock.yaml', import.meta.url), 'utf8'));
    expect(locked.length).toBeGreaterThan(100);
    expect(findAffected(locked, list.advisories)).toEqual([]);
  });
});
