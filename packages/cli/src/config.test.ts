import { describe, expect, it } from 'vitest';
import { DEFAULT_URL, loadConfig, parseDurationMs } from './config.js';
import { UsageError } from './errors.js';

const files = (map: Record<string, string>) => (path: string) => map[path];
const HOME = { HOME: '/home/op' };
const DEFAULT_FILE = '/home/op/.config/vigil/cli.json';

describe('cli config - flags over environment over file', () => {
  it('defaults when nothing is given', async () => {
    const c = await loadConfig({ flags: {}, env: HOME, readFile: files({}) });
    expect(c).toMatchObject({ url: DEFAULT_URL, token: undefined, output: 'table', timeoutMs: 30_000 });
  });

  it('the file, then VIGIL_URL / VIGIL_TOKEN, then the flags win', async () => {
    const readFile = files({ [DEFAULT_FILE]: JSON.stringify({ url: 'http://file:1/', token: 'file-token', output: 'json', timeoutMs: 5000 }) });
    expect(await loadConfig({ flags: {}, env: HOME, readFile })).toMatchObject({ url: 'http://file:1', token: 'file-token', output: 'json', timeoutMs: 5000 });
    const env = { ...HOME, VIGIL_URL: 'http://env:2', VIGIL_TOKEN: 'env-token' };
    expect(await loadConfig({ flags: {}, env, readFile })).toMatchObject({ url: 'http://env:2', token: 'env-token', sources: { url: 'VIGIL_URL', token: 'VIGIL_TOKEN' } });
    expect(await loadConfig({ flags: { url: 'https://flag:3', token: 'flag-token', output: 'table', timeout: '2s' }, env, readFile })).toMatchObject({
      url: 'https://flag:3',
      token: 'flag-token',
      output: 'table',
      timeoutMs: 2000,
      sources: { url: '--url', token: '--token', output: '--output', timeoutMs: '--timeout' },
    });
  });

  it('XDG_CONFIG_HOME and --config / VIGIL_CONFIG name the file; a named file must exist', async () => {
    const readFile = files({ '/xdg/vigil/cli.json': '{"url":"http://xdg:1"}', '/etc/v.json': '{"url":"http://named:1"}' });
    expect((await loadConfig({ flags: {}, env: { ...HOME, XDG_CONFIG_HOME: '/xdg' }, readFile })).url).toBe('http://xdg:1');
    expect((await loadConfig({ flags: {}, env: { ...HOME, VIGIL_CONFIG: '/etc/v.json' }, readFile })).url).toBe('http://named:1');
    await expect(loadConfig({ flags: { config: '/nope.json' }, env: HOME, readFile })).rejects.toThrow('config file /nope.json: does not exist');
  });

  it('bad values are usage errors naming the field and the value', async () => {
    const bad = (text: string) => loadConfig({ flags: {}, env: HOME, readFile: files({ [DEFAULT_FILE]: text }) });
    await expect(bad('{"url":"ftp://x"}')).rejects.toThrow('url: must be an http:// or https:// URL (got "ftp://x")');
    await expect(bad('{"output":"yaml"}')).rejects.toThrow(/output: .*\(got "yaml"\)/);
    await expect(bad('{"timeoutMs":-5}')).rejects.toThrow(/timeoutMs: .*\(got -5\)/);
    await expect(bad('{"tokne":"x"}')).rejects.toThrow(/"tokne"/);
    await expect(bad('{url')).rejects.toThrow(/not JSON/);
    await expect(bad('{"url":"ftp://x"}')).rejects.toThrow(UsageError);
    await expect(loadConfig({ flags: {}, env: { ...HOME, VIGIL_URL: 'localhost:7401' }, readFile: files({}) })).rejects.toThrow('VIGIL_URL: must be an http:// or https:// URL (got "localhost:7401")');
    await expect(loadConfig({ flags: { output: 'xml' }, env: HOME, readFile: files({}) })).rejects.toThrow('--output: must be table or json (got "xml")');
    await expect(loadConfig({ flags: { timeout: '0s' }, env: HOME, readFile: files({}) })).rejects.toThrow('--timeout');
  });

  it('durations', () => {
    expect([parseDurationMs('500ms'), parseDurationMs('10s'), parseDurationMs('2m'), parseDurationMs('1.5h'), parseDurationMs('250'), parseDurationMs('soon')]).toEqual([500, 10_000, 120_000, 5_400_000, 250, undefined]);
  });
});
